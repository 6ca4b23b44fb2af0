/**
 * The gateway's request limits (gateway/security.ts), each on (defaults) and
 * off (0), over HTTP; and the same checks exported for the websocket path.
 */
import fs from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPERGRAPH_FILE } from '../../gateway/server.ts';
import { DEFAULT_LIMITS, checkOperationLimits, parseOperation } from '../../gateway/limits.ts';
import { loadSecuritySettings } from '../../gateway/security.ts';
import { registerUser } from '../helpers/accounts.ts';
import { startExtraGateway, type ExtraGateway } from '../helpers/gateway.ts';
import { connect, subscribe } from '../helpers/subscriptions.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const ALL_OFF = { MAX_BODY_BYTES: '0', MAX_TOKENS: '0', MAX_DEPTH: '0', MAX_ALIASES: '0', MAX_ROOT_FIELDS: '0', MAX_COST: '0' };

/** `{ categories { parent { parent … { id } } } }`, `levels` fields deep. */
const deep = (levels: number) => `{ categories { ${'parent { '.repeat(levels - 2)}id${' }'.repeat(levels - 2)} } }`;
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const rootFields = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`;
/** Products of the stores of products of … : page sizes multiply. */
const nestedPages = (outerFirst?: number) =>
  `{ searchProducts${outerFirst ? `(first: ${outerFirst})` : ''} { edges { node { store { products { edges { node { store { products { edges { node { id } } } } } } } } } } } }`;

function limitError(r: { errors?: { extensions?: Record<string, any> }[] }) {
  return r.errors?.find((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX');
}

async function post(url: string, body: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: await res.json() };
}

describe('request limits', () => {
  let t: TestStack;
  let off: ExtraGateway;
  beforeAll(async () => {
    t = await startTestStack();
    off = await startExtraGateway(t, { env: ALL_OFF });
  }, 180_000);
  afterAll(async () => {
    await off?.stop();
    await t?.stop();
  });

  describe('with the defaults', () => {
    it('refuses a body over MAX_BODY_BYTES with 413 BAD_REQUEST naming the limit', async () => {
      const r = await post(t.url, JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(100_001) } }));
      expect(r.status).toBe(413);
      expect(r.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', limit: 'MAX_BODY_BYTES' });
      expect(r.body.errors[0].message).toContain('MAX_BODY_BYTES');
    });

    it('refuses a document over MAX_TOKENS', async () => {
      const r = await t.client.request(aliases(1800));
      expect(r.status).toBe(400);
      expect(limitError(r)?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'MAX_TOKENS' });
      expect(r.errors![0].message).toContain('MAX_TOKENS');
    });

    it('refuses an operation nested deeper than MAX_DEPTH, and accepts one at the limit', async () => {
      const r = await t.client.request(deep(13));
      expect(r.status).toBe(400);
      expect(limitError(r)?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'MAX_DEPTH' });
      expect(r.errors![0].message).toMatch(/13 levels deep; the limit is 12 \(MAX_DEPTH\)/);
      const ok = await t.client.request(deep(12));
      expect(limitError(ok)).toBeUndefined();
    });

    it('counts depth through fragments', async () => {
      const r = await t.client.request(`{ categories { ...P } } fragment P on Category { ${'parent { '.repeat(12)}id${' }'.repeat(12)} }`);
      expect(limitError(r)?.extensions?.limit).toBe('MAX_DEPTH');
    });

    it('refuses more than MAX_ALIASES aliases', async () => {
      const r = await t.client.request(aliases(31));
      expect(limitError(r)?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'MAX_ALIASES' });
      expect(limitError(await t.client.request(aliases(30)))).toBeUndefined();
    });

    it('counts aliases in a fragment each time it is spread', async () => {
      const r = await t.client.request(`{ ...F ...G } fragment F on Query { ${aliases(20).slice(1, -1)} } fragment G on Query { ...F }`);
      expect(limitError(r)?.extensions?.limit).toBe('MAX_ALIASES');
    });

    it('refuses more than MAX_ROOT_FIELDS top-level fields', async () => {
      const r = await t.client.request(rootFields(21));
      expect(limitError(r)?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'MAX_ROOT_FIELDS' });
      expect(limitError(await t.client.request(rootFields(20)))).toBeUndefined();
    });

    it('estimates cost with page sizes: `first` when given, 20 when absent', async () => {
      // 1 + 20 × 1284 = 25681: within 50000
      expect(limitError(await t.client.request(nestedPages()))).toBeUndefined();
      // 1 + 100 × 1284 = 128401
      const r = await t.client.request(nestedPages(100));
      expect(limitError(r)?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'MAX_COST' });
      expect(r.errors![0].message).toContain('estimated cost of 128401; the limit is 50000 (MAX_COST)');
    });

    it('assumes the largest page for a `first` given by a variable without a default', async () => {
      const r = await t.client.request(`query Q($n: Int) ${nestedPages().replace('searchProducts', 'searchProducts(first: $n)')}`, { n: 1 });
      expect(limitError(r)?.extensions?.limit).toBe('MAX_COST');
    });
  });

  describe('turned off (0)', () => {
    it('accepts a large body', async () => {
      const r = await post(off.url, JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(200_000) } }));
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual({ __typename: 'Query' });
    });

    it('accepts many tokens and aliases', async () => {
      const r = await off.client.request(aliases(1800));
      expect(r.status).toBe(200);
      expect(r.errors).toBeUndefined();
      expect(Object.keys(r.data!)).toHaveLength(1800);
    });

    it('accepts deep, wide and costly operations', async () => {
      for (const q of [deep(14), rootFields(25), nestedPages(100)]) {
        const r = await off.client.request(q);
        expect(limitError(r)).toBeUndefined();
        expect(r.status).toBe(200);
      }
    });
  });

  it('applies the same limits to subscriptions over the websocket', async () => {
    const alice = await registerUser(t.client);
    const ws = connect(t, alice.token);
    try {
      const deepSub = `subscription { orderStatusChanged { order { store { ${'products { edges { node { store { '.repeat(3)}id${' } } } }'.repeat(3)} } } } }`;
      const refused = subscribe(ws, deepSub);
      await refused.ended();
      const errors = (Array.isArray(refused.error) ? refused.error : [refused.error]) as { extensions?: Record<string, unknown> }[];
      expect(errors.map((e) => e.extensions?.limit)).toContain('MAX_DEPTH');
      expect(errors[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    } finally {
      await ws.dispose();
    }
  });

  it('takes each limit from its environment variable', async () => {
    const tight = await startExtraGateway(t, { env: { MAX_DEPTH: '3', MAX_ALIASES: '1', MAX_ROOT_FIELDS: '2', MAX_COST: '10' } });
    try {
      expect(limitError(await tight.client.request(deep(4)))?.extensions?.limit).toBe('MAX_DEPTH');
      expect(limitError(await tight.client.request(aliases(2)))?.extensions?.limit).toBe('MAX_ALIASES');
      expect(limitError(await tight.client.request('{ viewer { id } categories { id } availableCoupons { id } }'))?.extensions?.limit).toBe('MAX_ROOT_FIELDS');
      expect(limitError(await tight.client.request('{ searchProducts(first: 50) { totalCount } }'))?.extensions?.limit).toBe('MAX_COST');
    } finally {
      await tight.stop();
    }
  });
});

describe('the limits for the websocket path', () => {
  const schema = Supergraph.build(fs.readFileSync(SUPERGRAPH_FILE, 'utf8')).apiSchema().toGraphQLJSSchema();

  it('gives the same errors for a parsed operation as HTTP does', () => {
    const errors = checkOperationLimits(schema, parse(deep(13)), DEFAULT_LIMITS);
    expect(errors.map((e) => e.extensions)).toEqual([{ code: 'QUERY_TOO_COMPLEX', limit: 'MAX_DEPTH' }]);
    expect(checkOperationLimits(schema, parse('subscription { orderStatusChanged { order { id } } }'), DEFAULT_LIMITS)).toEqual([]);
  });

  it('parses with the token limit', () => {
    expect(() => parseOperation(aliases(1800), DEFAULT_LIMITS)).toThrow(/MAX_TOKENS/);
    expect(parseOperation(aliases(1800), { maxTokens: 0 }).definitions).toHaveLength(1);
  });

  it('reads its defaults and the environment', () => {
    expect(loadSecuritySettings({})).toMatchObject({
      maxBodyBytes: 100000,
      maxTokens: 5000,
      maxDepth: 12,
      maxAliases: 30,
      maxRootFields: 20,
      maxCost: 50000,
      subgraphTimeoutMs: 5000,
    });
    expect(loadSecuritySettings({ MAX_DEPTH: '0' }).maxDepth).toBe(0);
    expect(() => loadSecuritySettings({ MAX_COST: 'lots' })).toThrow(/MAX_COST/);
  });
});
