/**
 * The gateway's per-subscription stream without a network: a fake upstream
 * pool stands in for the subgraph's websocket, so drops, slow clients and
 * give-ups can be produced exactly.
 */
import fs from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { SUPERGRAPH_FILE } from '../../gateway/server.ts';
import { SUBSCRIPTION_DEFAULTS, subscriptionOptions, type SubscriptionOptions } from '../../gateway/subscriptions/options.ts';
import { AFTER_VARIABLE, SubscriptionPlanner } from '../../gateway/subscriptions/planner.ts';
import { GatewayStream } from '../../gateway/subscriptions/stream.ts';
import { FrameWriter } from '../../gateway/subscriptions/writer.ts';
import type { SubscriptionSource } from '../../gateway/subscriptions/source.ts';
import type { UpstreamPool, UpstreamSink } from '../../gateway/subscriptions/upstream.ts';
import { createLogger } from '../../platform/log.ts';

const planner = new SubscriptionPlanner(fs.readFileSync(SUPERGRAPH_FILE, 'utf8'));
const QUERY = 'subscription($after: String) { messageAdded(after: $after) { body } }';
const viewer = { id: 'u1', sessionId: 's1', roles: [] as string[], token: 'tok', exp: 0 };

class FakePool {
  subscriptions: { variables: Record<string, unknown>; extensions: Record<string, any>; sink: UpstreamSink; open: boolean }[] = [];
  activeCount() {
    return this.subscriptions.filter((s) => s.open).length;
  }
  subscribe(_service: string, payload: { variables?: Record<string, unknown> | null; extensions?: Record<string, unknown> | null }, sink: UpstreamSink) {
    const s = { variables: { ...payload.variables }, extensions: { ...payload.extensions }, sink, open: true };
    this.subscriptions.push(s);
    return () => {
      s.open = false;
    };
  }
  get current() {
    return this.subscriptions[this.subscriptions.length - 1];
  }
  /** The connection under the current subscription drops. */
  lose(reason = 'socket closed (1001 Going away)') {
    const s = this.current;
    s.open = false;
    s.sink.connectionLost(reason);
  }
  emit(n: number) {
    this.current.sink.next({ data: { messageAdded: { body: `m${n}`, gwCursor_: `c${n}` } } });
  }
}

/** A server-side ws socket and what its client receives (text frames parsed as JSON, binary ones as 'binary'). */
async function socketPair() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
  const received: unknown[] = [];
  client.on('message', (m, binary) => received.push(binary ? 'binary' : JSON.parse(String(m))));
  const socket = await serverSide;
  const close = async () => {
    client.close();
    await new Promise((r) => wss.close(r));
  };
  return { socket, received, close };
}

function streamOf(variables: Record<string, unknown>, options: Partial<SubscriptionOptions> = {}) {
  const pool = new FakePool();
  const plan = planner.plan(parse(QUERY), undefined, variables);
  let overflowed = 0;
  const stream = new GatewayStream(
    {
      planner,
      services: {},
      pool: pool as unknown as UpstreamPool,
      options: { ...SUBSCRIPTION_DEFAULTS, ...options },
      log: createLogger('silent'),
    },
    plan,
    { viewer, requestId: 'r1' },
    variables,
    QUERY,
    () => overflowed++,
  );
  return { pool, stream, overflowed: () => overflowed };
}

/** Streams on one fake pool, sharing sources as the gateway does (SUBSCRIPTION_DEDUPLICATION). */
function sharingStreams(options: Partial<SubscriptionOptions> = {}) {
  const pool = new FakePool();
  const shared = new Map<string, SubscriptionSource>();
  const deps = {
    planner,
    services: {},
    pool: pool as unknown as UpstreamPool,
    options: { ...SUBSCRIPTION_DEFAULTS, ...options },
    log: createLogger('silent'),
    shared,
  };
  const overflows: number[] = [];
  let n = 0;
  const open = (variables: Record<string, unknown> = {}, who = viewer) => {
    const i = n++;
    const plan = planner.plan(parse(QUERY), undefined, variables, QUERY);
    return new GatewayStream(deps, plan, { viewer: who, requestId: `r${i}` }, variables, QUERY, () => overflows.push(i));
  };
  return { pool, shared, open, overflows };
}
const bodyOf = async (s: GatewayStream) => ((await s.next()).value as any).data.messageAdded.body;

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('a gateway subscription stream', () => {
  it('passes the client’s `after` upstream and hides the cursor it adds from the client', async () => {
    const { pool, stream } = streamOf({ after: 'c7' });
    expect(pool.current.variables[AFTER_VARIABLE]).toBe('c7');
    pool.emit(8);
    expect(await stream.next()).toEqual({ done: false, value: { data: { messageAdded: { body: 'm8' } } } });
    await stream.return();
  });

  it('re-subscribes after a dropped connection from the last cursor it received, so nothing is lost or repeated', async () => {
    const { pool, stream } = streamOf({});
    expect(pool.current.variables[AFTER_VARIABLE]).toBeNull();
    pool.emit(1);
    pool.emit(2);
    pool.lose();
    await tick(150);
    expect(pool.subscriptions).toHaveLength(2);
    expect(pool.current.variables[AFTER_VARIABLE]).toBe('c2');
    pool.emit(3);
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push(((await stream.next()).value as any).data.messageAdded.body);
    expect(bodies).toEqual(['m1', 'm2', 'm3']);
    await stream.return();
    expect(pool.activeCount()).toBe(0);
  });

  it('gives up after SUBSCRIPTION_UPSTREAM_RETRY_MS with a readable GraphQL error, then ends', async () => {
    const { pool, stream } = streamOf({}, { upstreamRetryMs: 250 });
    pool.lose('connect ECONNREFUSED');
    await tick(300);
    expect(pool.subscriptions).toHaveLength(2); // retried once, in vain
    pool.lose('connect ECONNREFUSED');
    const r = await stream.next();
    expect(r.done).toBe(false);
    const errors = (r.value as any).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/unavailable/);
    expect(errors[0].message).not.toContain('[object');
    expect(errors[0].extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('cuts off a slow client past the queue limit instead of buffering without bound', async () => {
    const { pool, stream, overflowed } = streamOf({}, { queueLimit: 3 });
    for (let i = 1; i <= 10; i++) pool.emit(i);
    await tick();
    expect(overflowed()).toBe(1);
    expect(pool.activeCount()).toBe(0);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('ends the upstream subscription when the client unsubscribes while waiting for an event', async () => {
    const { pool, stream } = streamOf({});
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(pool.activeCount()).toBe(0);
  });

  it('forwards a subgraph’s refusal as the GraphQL error it is, then ends', async () => {
    const { pool, stream } = streamOf({});
    pool.current.sink.graphqlError([{ message: 'Sign in to subscribe.', extensions: { code: 'UNAUTHENTICATED' } }]);
    const r = await stream.next();
    expect((r.value as any).errors.map((e: any) => [e.message, e.extensions.code])).toEqual([['Sign in to subscribe.', 'UNAUTHENTICATED']]);
    expect((await stream.next()).done).toBe(true);
  });

  it('writes each result to the client’s socket as one graphql-ws `next` message a WebSocket client reads, at every frame length', async () => {
    const { socket, received, close } = await socketPair();
    const pool = new FakePool();
    const plan = planner.plan(parse(QUERY), undefined, {}, QUERY);
    const deps = { planner, services: {}, pool: pool as unknown as UpstreamPool, options: SUBSCRIPTION_DEFAULTS, log: createLogger('silent') };
    new GatewayStream(
      deps,
      plan,
      { viewer, requestId: 'r1' },
      {},
      QUERY,
      () => {},
      () => {},
      { id: 'sub-é1', socket },
    );
    // payload lengths around the 7-bit, 16-bit and 64-bit length encodings, with multi-byte characters
    const bodies = ['hi', 'ü'.repeat(40), 'x'.repeat(200), '€'.repeat(21_830), 'y'.repeat(70_000)];
    bodies.forEach((body, i) => pool.current.sink.next({ data: { messageAdded: { body, gwCursor_: `c${i}` } } }));
    await vi.waitFor(() => expect(received).toHaveLength(bodies.length));
    expect(received).toEqual(bodies.map((body) => ({ id: 'sub-é1', type: 'next', payload: { data: { messageAdded: { body } } } })));
    await close();
  });

  it('past SUBSCRIPTION_WRITES_PER_TURN writes the rest in later turns, in order, and ends only after the last frame, so `complete` never overtakes one', async () => {
    const { socket, received, close } = await socketPair();
    const pool = new FakePool();
    const writer = new FrameWriter(1);
    const deps = { planner, services: {}, pool: pool as unknown as UpstreamPool, options: SUBSCRIPTION_DEFAULTS, log: createLogger('silent'), writer };
    const plan = planner.plan(parse(QUERY), undefined, {}, QUERY);
    const stream = new GatewayStream(
      deps,
      plan,
      { viewer, requestId: 'r1' },
      {},
      QUERY,
      () => {},
      () => {},
      { id: 's1', socket },
    );
    for (let i = 1; i <= 4; i++) pool.emit(i);
    expect(writer.pending).toBe(3); // one frame this turn, three for the next ones
    pool.current.sink.complete();
    // graphql-ws sends `complete` on its own as soon as the iterator is done
    const done = await stream.next();
    expect(done.done).toBe(true);
    expect(writer.pending).toBe(0);
    socket.send(JSON.stringify({ id: 's1', type: 'complete' }));
    await vi.waitFor(() => expect(received).toHaveLength(5));
    expect(received).toEqual([
      ...[1, 2, 3, 4].map((i) => ({ id: 's1', type: 'next', payload: { data: { messageAdded: { body: `m${i}` } } } })),
      { id: 's1', type: 'complete' },
    ]);
    await close();
  });
});

describe('live subscriptions of one person with the same document and variables (SUBSCRIPTION_DEDUPLICATION)', () => {
  it('share one upstream subscription, and each gets every event', async () => {
    const { pool, open } = sharingStreams();
    const a = open();
    const b = open();
    expect(pool.subscriptions).toHaveLength(1);
    pool.emit(1);
    pool.emit(2);
    expect([await bodyOf(a), await bodyOf(a)]).toEqual(['m1', 'm2']);
    expect([await bodyOf(b), await bodyOf(b)]).toEqual(['m1', 'm2']);
    await a.return();
    expect(pool.activeCount()).toBe(1); // b still listens
    pool.emit(3);
    expect(await bodyOf(b)).toBe('m3');
    await b.return();
    expect(pool.activeCount()).toBe(0);
    // a newcomer after the last one left gets a new upstream subscription
    const c = open();
    expect(pool.subscriptions).toHaveLength(2);
    expect(pool.activeCount()).toBe(1);
    await c.return();
  });

  it('are shared across the sessions of one person, and not across people, roles, variables, or with a subscription resuming `after` a cursor', async () => {
    const { pool, open } = sharingStreams();
    const streams = [
      open(),
      open({}, { ...viewer, sessionId: 's2', token: 'tok2' }), // another device of the same person: shares
      open({}, { ...viewer, id: 'u2', sessionId: 's3', token: 'tok3' }),
      open({}, { ...viewer, roles: ['ADMIN'], token: 'tok4' }),
      open({ conversationId: 'c9' }),
      open({ after: 'c1' }),
      open({ after: 'c1' }),
    ];
    expect(pool.subscriptions).toHaveLength(6);
    // upstream, the subscription runs as the verified identity, not as one session's token
    expect(pool.subscriptions.map((s) => s.extensions.identity)).toEqual([
      { userId: 'u1', roles: [] },
      { userId: 'u2', roles: [] },
      { userId: 'u1', roles: ['ADMIN'] },
      { userId: 'u1', roles: [] },
      { userId: 'u1', roles: [] },
      { userId: 'u1', roles: [] },
    ]);
    expect(pool.subscriptions.some((s) => JSON.stringify(s.extensions).includes('tok'))).toBe(false);
    for (const s of streams) await s.return();
    expect(pool.activeCount()).toBe(0);
  });

  it('resume together after a dropped connection, and a newcomer meanwhile gets its own upstream (no replay of what came before it)', async () => {
    const { pool, open } = sharingStreams();
    const a = open();
    const b = open();
    pool.emit(1);
    pool.lose();
    const c = open(); // while the shared one is re-subscribing
    expect(pool.subscriptions).toHaveLength(2);
    expect(pool.current.variables[AFTER_VARIABLE]).toBeNull();
    await tick(150);
    const resumed = pool.subscriptions[2];
    expect(resumed.variables[AFTER_VARIABLE]).toBe('c1');
    resumed.sink.next({ data: { messageAdded: { body: 'm2', gwCursor_: 'c2' } } });
    expect([await bodyOf(a), await bodyOf(a)]).toEqual(['m1', 'm2']);
    expect([await bodyOf(b), await bodyOf(b)]).toEqual(['m1', 'm2']);
    for (const s of [a, b, c]) await s.return();
    expect(pool.activeCount()).toBe(0);
  });

  it('cut off only the subscriber that stops reading', async () => {
    const { pool, open, overflows } = sharingStreams({ queueLimit: 3 });
    const reader = open();
    open(); // never reads
    const got: string[] = [];
    for (let i = 1; i <= 6; i++) {
      pool.emit(i);
      await tick(1);
      got.push(await bodyOf(reader));
    }
    expect(overflows).toEqual([1]);
    expect(got).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(pool.activeCount()).toBe(1);
    await reader.return();
    expect(pool.activeCount()).toBe(0);
  });

  it('end together when the subgraph ends the subscription', async () => {
    const { pool, open } = sharingStreams();
    const a = open();
    const b = open();
    pool.current.sink.graphqlError([{ message: 'Sign in to subscribe.', extensions: { code: 'UNAUTHENTICATED' } }]);
    for (const s of [a, b]) {
      expect(((await s.next()).value as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect((await s.next()).done).toBe(true);
    }
    const c = open(); // an ended source takes no one
    expect(pool.subscriptions).toHaveLength(2);
    await c.return();
  });
});

describe('subscription settings', () => {
  it('come from the environment with documented defaults, and refuse nonsense', () => {
    expect(subscriptionOptions({}, {})).toEqual(SUBSCRIPTION_DEFAULTS);
    expect(subscriptionOptions({}, { SUBSCRIPTION_UPSTREAM_RETRY_MS: '5000' }).upstreamRetryMs).toBe(5000);
    expect(subscriptionOptions({}, { SUBSCRIPTION_WRITES_PER_TURN: '50' }).writesPerTurn).toBe(50);
    expect(() => subscriptionOptions({}, { SUBSCRIPTION_WRITES_PER_TURN: '0' })).toThrow(/SUBSCRIPTION_WRITES_PER_TURN/);
    expect(() => subscriptionOptions({}, { SUBSCRIPTION_QUEUE_LIMIT: 'lots' })).toThrow(/SUBSCRIPTION_QUEUE_LIMIT/);
    expect(subscriptionOptions({}, { SUBSCRIPTION_DEDUPLICATION: 'false' }).deduplicate).toBe(false);
    expect(() => subscriptionOptions({}, { SUBSCRIPTION_DEDUPLICATION: 'maybe' })).toThrow(/SUBSCRIPTION_DEDUPLICATION/);
  });
});
