/**
 * What a client sees of the gateway's hardening over HTTP: masked errors,
 * request ids, CORS, CSRF prevention, no batching, production mode, trusted
 * documents and the /metrics endpoint.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMetricsSettings } from '../../gateway/metrics.ts';
import { sha256 } from '../../gateway/trusted-documents.ts';
import { mintPerson } from '../helpers/accounts.ts';
import { startDelayProxy, startExtraGateway, startFakeSubgraph, type ExtraGateway, type TestServer } from '../helpers/gateway.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/subscriptions.ts';

/** What must never reach a client. */
function expectNothingInternal(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/select |insert |relation "|does not exist|stacktrace|\/work\/|node_modules|\.ts:\d+|127\.0\.0\.1|10\.1\.2\.3|password=/i);
}

let t: TestStack;
/** The stack's error log lines (JSON). */
const logs: string[] = [];
beforeAll(async () => {
  t = await startTestStack({ logs });
}, 180_000);
afterAll(async () => {
  await t?.stop();
});

describe('errors reaching a client', () => {
  let fake: TestServer;
  let viaFake: ExtraGateway;
  let answer: unknown;
  beforeAll(async () => {
    fake = await startFakeSubgraph(() => answer);
    viaFake = await startExtraGateway(t, { urls: { promotions: fake.url } });
  });
  afterAll(async () => {
    await viaFake?.stop();
    await fake?.close();
  });

  it('hide what a failing subgraph said (SQL, stack, paths, addresses) behind INTERNAL_SERVER_ERROR and the request id', async () => {
    answer = {
      data: null,
      errors: [
        {
          message: 'relation "promotions.coupons" does not exist: select * from promotions.coupons where id = $1 (postgres://app:password=x@10.1.2.3:5432/db)',
          extensions: { code: 'XX000', stacktrace: ['Error: boom', '    at query (/work/main/subgraphs/promotions/db/queries.ts:12:3)'] },
        },
      ],
    };
    const r = await viaFake.client.request('{ availableCoupons { id } }');
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0].message).toBe('Internal server error');
    expect(r.errors![0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', serviceName: 'promotions', requestId: r.headers.get('x-request-id') });
    expectNothingInternal(r);
  });

  it('keep a documented code a subgraph sent, with its message', async () => {
    answer = {
      data: null,
      errors: [{ message: 'You are not allowed to do this.', path: ['availableCoupons'], extensions: { code: 'FORBIDDEN', detail: 'owner 42' } }],
    };
    const r = await viaFake.client.request('{ availableCoupons { id } }');
    expect(r.errors![0]).toMatchObject({ message: 'You are not allowed to do this.', extensions: { code: 'FORBIDDEN', serviceName: 'promotions' } });
    expect(JSON.stringify(r)).not.toContain('owner 42');
  });

  it('hide a subgraph answering with a server error', async () => {
    answer = '<html>nginx 502 at 10.1.2.3</html>';
    const r = await viaFake.client.request('{ availableCoupons { id } }');
    expect(r.errors![0].extensions).toMatchObject({ serviceName: 'promotions' });
    expectNothingInternal(r);
  });

  it('hide a real database failure in a subgraph and recover when the database is back', async () => {
    const db = t.stack.subgraphs.catalog.db.drizzle;
    expect((await t.client.request('{ categories { id name } }')).errors).toBeUndefined();
    await db.execute(sql`alter schema catalog rename to catalog_away`);
    try {
      const r = await t.client.request('{ categories { id name } }');
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0].message).toBe('Internal server error');
      const requestId = r.headers.get('x-request-id');
      expect(r.errors![0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', requestId });
      expectNothingInternal(r);
      // what the client cannot see, the operator finds in the catalog's log under the same request id
      const logged = logs.map((l) => JSON.parse(l)).filter((l) => l.requestId === requestId);
      // with the error's stack, not just its message
      expect(logged).toContainEqual(
        expect.objectContaining({
          level: 'error',
          subgraph: 'catalog',
          msg: 'resolver error',
          err: expect.objectContaining({ message: expect.stringMatching(/catalog/), stack: expect.stringMatching(/\n\s+at /) }),
        }),
      );
    } finally {
      await db.execute(sql`alter schema catalog_away rename to catalog`);
    }
    expect((await t.client.request('{ categories { id name } }')).errors).toBeUndefined();
  });

  it('never include a stack trace for a malformed request', async () => {
    for (const body of ['{"query": "{ categories { id "}', '{"query": 42}', '{"query": "{ nope }"}', '{"query": "{ __typename }", "variables": "x"}']) {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = await res.json();
      expect(res.status).toBe(400);
      expect(json.errors.length).toBeGreaterThan(0);
      expectNothingInternal(json);
    }
  });

  describe('request ids', () => {
    it('answer every request with an x-request-id, also sent to the subgraphs', async () => {
      answer = { data: { availableCoupons: [] } };
      const r = await viaFake.client.request('{ availableCoupons { id } }');
      const id = r.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(fake.lastHeaders?.['x-request-id']).toBe(id);
    });

    it('keep a sane incoming x-request-id and replace anything else', async () => {
      const sane = await t.client.withHeaders({ 'x-request-id': 'req-4711-abcdef' }).request('{ __typename }');
      expect(sane.headers.get('x-request-id')).toBe('req-4711-abcdef');
      const insane = await t.client.withHeaders({ 'x-request-id': 'a b"<script>' }).request('{ __typename }');
      expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('CORS', () => {
    const preflight = (url: string, origin: string) =>
      fetch(url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });

    it('let Apollo Studio Sandbox call the gateway outside production', async () => {
      const res = await preflight(t.url, 'https://studio.apollographql.com');
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    });

    it('say nothing to an origin not in CORS_ORIGINS', async () => {
      const res = await preflight(t.url, 'https://evil.example');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('allow the configured origins, and in production only those', async () => {
      const prod = await startExtraGateway(t, { production: true, env: { CORS_ORIGINS: 'https://shop.example, https://m.shop.example' } });
      try {
        expect((await preflight(prod.url, 'https://shop.example')).headers.get('access-control-allow-origin')).toBe('https://shop.example');
        const r = await fetch(prod.url, {
          method: 'POST',
          headers: { origin: 'https://m.shop.example', 'content-type': 'application/json' },
          body: '{"query":"{ __typename }"}',
        });
        expect(r.headers.get('access-control-allow-origin')).toBe('https://m.shop.example');
        expect((await preflight(prod.url, 'https://studio.apollographql.com')).headers.get('access-control-allow-origin')).toBeNull();
      } finally {
        await prod.stop();
      }
    });
  });

  it('refuse a simple cross-site request (CSRF prevention)', async () => {
    const res = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(res.status).toBe(400);
    const form = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
    expect(form.status).toBe(400);
  });

  it('refuse batched requests', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[{"query":"{ __typename }"},{"query":"{ __typename }"}]',
    });
    expect(res.status).toBe(400);
  });

  describe('in production', () => {
    let prod: ExtraGateway;
    beforeAll(async () => {
      prod = await startExtraGateway(t, { production: true });
    });
    afterAll(async () => {
      await prod?.stop();
    });

    it('refuse introspection, which works outside production', async () => {
      const q = '{ __schema { queryType { name } } }';
      expect((await t.client.request(q)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      const r = await prod.client.request(q);
      expect(r.data).toBeUndefined();
      expect(r.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('suggest no field names', async () => {
      expect((await t.client.request('{ categorie { id } }')).errors![0].message).toContain('Did you mean');
      const r = await prod.client.request('{ categorie { id } }');
      expect(r.errors![0].message).not.toContain('Did you mean');
    });

    it('suggest no names in the errors of variables: input object fields and enum values', async () => {
      const cases: [string, Record<string, unknown>][] = [
        ['mutation Open($input: OpenStoreInput!) { openStore(input: $input) { store { id } } }', { input: { name: 'Shop', nme: 'Shop' } }],
        ['query Find($sort: ProductSort) { searchProducts(sort: $sort) { edges { node { id } } } }', { sort: 'RELEVANC' }],
      ];
      const someone = await mintPerson(t);
      for (const [query, variables] of cases) {
        const dev = await t.client.as(someone.token).request(query, variables);
        expect(dev.errors!.map((e) => e.message).join(' '), query).toContain('Did you mean'); // outside production they help
        const r = await prod.client.as(someone.token).request(query, variables);
        expect(r.errors, query).toHaveLength(1);
        expect(r.errors![0].extensions?.code, query).toBe('BAD_USER_INPUT');
        expect(r.errors![0].message, query).not.toMatch(/Did you mean|RELEVANCE/);
      }
    });

    it('suggest no names over the websocket either: validation and variables of a subscription', async () => {
      const someone = await mintPerson(t);
      const documents: [string, Record<string, unknown>?][] = [
        ['subscription { messageAdded { bodi } }'],
        ['subscription($after: Strin) { messageAdded(after: $after) { id } }'],
        ['subscription { messageAdded(aftr: "1") { id } }'],
      ];
      const prodStack = { ...t, wsUrl: prod.url.replace(/^http/, 'ws') } as TestStack;
      for (const [stack, production] of [
        [t, false],
        [prodStack, true],
      ] as const) {
        const ws = connect(stack, someone.token);
        for (const [query, variables] of documents) {
          const sub = subscribe(ws, query, variables);
          await sub.ended();
          const messages = (sub.error as { message: string }[]).map((e) => e.message).join(' ');
          if (production) expect(messages, query).not.toMatch(/Did you mean/);
          else expect(messages, query).toMatch(/Did you mean/);
        }
        await ws.dispose();
      }
    });
  });
});

describe('trusted documents (TRUSTED_DOCUMENTS)', () => {
  let g: ExtraGateway;
  const doc = 'query Types { __typename }';
  const hash = sha256(doc);
  beforeAll(async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trusted-')), 'documents.json');
    fs.writeFileSync(file, JSON.stringify({ [hash]: doc }));
    g = await startExtraGateway(t, { env: { TRUSTED_DOCUMENTS: file } });
  });
  afterAll(async () => {
    await g?.stop();
  });

  const send = (body: unknown) =>
    fetch(g.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      ...(await r.json()),
    }));

  it('run a known document by its hash', async () => {
    const r = await send({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(r.data).toEqual({ __typename: 'Query' });
  });

  it('run a known document sent in full', async () => {
    expect((await send({ query: doc })).data).toEqual({ __typename: 'Query' });
  });

  it('run a known document by its hash with GET', async () => {
    const ext = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
    const res = await fetch(`${g.url}?extensions=${ext}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuse free-form and unknown operations with PERSISTED_QUERY_NOT_FOUND', async () => {
    for (const body of [
      { query: '{ categories { id } }' },
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ categories { id } }') } } },
      { query: '{ categories { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ categories { id } }') } } },
      { query: '{ categories { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: hash } } },
    ]) {
      const r = await send(body);
      expect(r.data).toBeUndefined();
      expect(r.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });

  it('leave a gateway without the setting open to any operation', async () => {
    expect((await t.client.request('{ categories { id } }')).errors).toBeUndefined();
  });
});

describe('GET /metrics', () => {
  const metricsText = async (url = t.stack.gateway.metricsUrl!) => (await fetch(url)).text();

  it('is served on a port of its own (METRICS_PORT, default 9464, on 127.0.0.1 unless METRICS_HOST says otherwise; 0 turns it off), not on the public port', async () => {
    expect(loadMetricsSettings({})).toEqual({ port: 9464, host: '127.0.0.1', operationNames: 100 });
    expect(loadMetricsSettings({ METRICS_PORT: '0' }).port).toBeNull();
    expect(() => loadMetricsSettings({ METRICS_PORT: 'public' })).toThrow(/METRICS_PORT/);
    expect(t.stack.gateway.metricsUrl).toBe(`http://127.0.0.1:${t.stack.gateway.metricsPort}/metrics`);
    expect(t.stack.gateway.metricsPort).not.toBe(t.stack.gateway.port);
    const publicPort = await fetch(t.url.replace('/graphql', '/metrics'));
    expect(publicPort.status).toBe(404);
    expect(await publicPort.text()).not.toContain('gateway_requests_total');
    const off = await startExtraGateway(t, { env: { METRICS_PORT: '0' } });
    try {
      expect(off.gateway.metricsUrl).toBeUndefined();
      expect((await fetch(off.url.replace('/graphql', '/metrics'))).status).toBe(404);
    } finally {
      await off.stop();
    }
  });

  it('counts requests by operation and outcome, with latency, subgraph fetches and gauges', async () => {
    const before = await metricsText();
    const catalogFetches = Number(/gateway_subgraph_fetch_duration_seconds_count\{subgraph="catalog"\} (\d+)/.exec(before)?.[1] ?? 0);
    await t.client.request('query MetricsCategories { categories { id } }');
    await t.client.request('query MetricsCategories { categories { id } }');
    await t.client.request('{ nope }');
    const res = await fetch(t.stack.gateway.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('gateway_requests_total{operation="MetricsCategories",outcome="ok"} 2');
    expect(text).toMatch(/gateway_requests_total\{operation="unresolved",outcome="error"\} [1-9]/);
    expect(text).toMatch(/gateway_request_duration_seconds_bucket\{le="\+Inf",operation="MetricsCategories",outcome="ok"\} 2/);
    expect(text).toContain(`gateway_subgraph_fetch_duration_seconds_count{subgraph="catalog"} ${catalogFetches + 2}`);
    expect(text).toMatch(/^gateway_open_websockets 0$/m);
    expect(text).toMatch(/^gateway_active_subscriptions 0$/m);
    expect(text).toMatch(/^gateway_event_bus_lag \d+$/m);
  });

  it("serves the process's and Node's own metrics beside the gateway's", async () => {
    const text = await metricsText();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
  });

  it('keeps at most METRICS_OPERATION_NAMES distinct operation names as labels and counts the rest as `other`', async () => {
    const g = await startExtraGateway(t, { env: { METRICS_OPERATION_NAMES: '2' } });
    try {
      for (const name of ['First', 'Second', 'Third', 'Fourth', 'First']) await g.client.request(`query ${name} { categories { id } }`);
      const text = await metricsText(g.gateway.metricsUrl!);
      expect(text).toContain('gateway_requests_total{operation="First",outcome="ok"} 2');
      expect(text).toContain('gateway_requests_total{operation="Second",outcome="ok"} 1');
      expect(text).toContain('gateway_requests_total{operation="other",outcome="ok"} 2');
      expect(text).not.toMatch(/operation="(Third|Fourth)"/);
    } finally {
      await g.stop();
    }
  });

  it('always keeps the names of the trusted documents’ operations as labels', async () => {
    const docs = ['query TrustedOne { categories { id } }', 'query TrustedTwo { categories { name } }', 'query TrustedThree { categories { id name } }'];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mg-trusted-')), 'documents.json');
    fs.writeFileSync(file, JSON.stringify(Object.fromEntries(docs.map((d) => [sha256(d), d]))));
    const g = await startExtraGateway(t, { env: { TRUSTED_DOCUMENTS: file, METRICS_OPERATION_NAMES: '1' } });
    try {
      for (const d of docs) expect((await g.client.request(d)).errors).toBeUndefined();
      const text = await metricsText(g.gateway.metricsUrl!);
      for (const name of ['TrustedOne', 'TrustedTwo', 'TrustedThree']) expect(text).toContain(`gateway_requests_total{operation="${name}",outcome="ok"} 1`);
    } finally {
      await g.stop();
    }
  });
});

describe('identical queries in flight (SUBGRAPH_DEDUPLICATION)', () => {
  let fake: TestServer;
  let slow: TestServer;
  let on: ExtraGateway;
  let off: ExtraGateway;
  const COUPONS = '{ availableCoupons { id } }';
  beforeAll(async () => {
    fake = await startFakeSubgraph(() => ({ data: { availableCoupons: [{ __typename: 'Coupon', id: 'c1' }] } }));
    slow = await startDelayProxy(fake.url, 300); // the promotions subgraph answers in 300 ms
    on = await startExtraGateway(t, { urls: { promotions: slow.url } });
    off = await startExtraGateway(t, { urls: { promotions: slow.url }, env: { SUBGRAPH_DEDUPLICATION: 'false' } });
  });
  afterAll(async () => {
    await on?.stop();
    await off?.stop();
    await slow?.close();
    await fake?.close();
  });
  /** Subgraph requests made while `run` ran. */
  const fetchesDuring = async (run: () => Promise<unknown>) => {
    const before = slow.requests;
    await run();
    return slow.requests - before;
  };

  it('share one subgraph fetch when the same person asks the same thing at once, and each gets the answer', async () => {
    const p = await mintPerson(t, { via: on.client });
    let answers: { data?: unknown; errors?: unknown }[] = [];
    const n = await fetchesDuring(async () => {
      answers = await Promise.all(Array.from({ length: 5 }, () => p.client.request(COUPONS)));
    });
    expect(n).toBe(1);
    for (const a of answers) expect(a).toMatchObject({ data: { availableCoupons: [{ id: 'c1' }] } });
    expect(answers.every((a) => a.errors === undefined)).toBe(true);
  });

  it('never share between different people, nor mutations, nor when turned off', async () => {
    const people = await Promise.all(Array.from({ length: 5 }, () => mintPerson(t, { via: on.client })));
    expect(await fetchesDuring(() => Promise.all(people.map((p) => p.client.request(COUPONS))))).toBe(5);
    const p = people[0];
    expect(
      await fetchesDuring(() =>
        Promise.all(Array.from({ length: 5 }, () => p.client.request('mutation { watchPrice(productId: "x") { userErrors { code } } }'))),
      ),
    ).toBe(5);
    const q = await mintPerson(t, { via: off.client });
    expect(await fetchesDuring(() => Promise.all(Array.from({ length: 5 }, () => q.client.request(COUPONS))))).toBe(5);
  });

  it('fetch again once the shared answer is in (nothing is cached)', async () => {
    const p = await mintPerson(t, { via: on.client });
    expect(
      await fetchesDuring(async () => {
        await p.client.request(COUPONS);
        await p.client.request(COUPONS);
      }),
    ).toBe(2);
  });
});
