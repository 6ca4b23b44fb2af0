/**
 * The gateway's per-subscription stream without a network: a fake upstream
 * pool stands in for the subgraph's websocket, so drops, slow clients and
 * give-ups can be produced exactly.
 */
import fs from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_FILE } from '../../gateway/server.ts';
import { SUBSCRIPTION_DEFAULTS, subscriptionOptions, type SubscriptionOptions } from '../../gateway/subscriptions/options.ts';
import { AFTER_VARIABLE, SubscriptionPlanner } from '../../gateway/subscriptions/planner.ts';
import { GatewayStream } from '../../gateway/subscriptions/stream.ts';
import type { UpstreamPool, UpstreamSink } from '../../gateway/subscriptions/upstream.ts';
import { createLogger } from '../../subgraphs/kit/log.ts';

const planner = new SubscriptionPlanner(fs.readFileSync(SUPERGRAPH_FILE, 'utf8'));
const QUERY = 'subscription($after: String) { messageAdded(after: $after) { body } }';
const viewer = { id: 'u1', sessionId: 's1', roles: [], token: 'tok', exp: 0 };

class FakePool {
  subscriptions: { variables: Record<string, unknown>; sink: UpstreamSink; open: boolean }[] = [];
  activeCount() {
    return this.subscriptions.filter((s) => s.open).length;
  }
  subscribe(_service: string, payload: { variables?: Record<string, unknown> | null }, sink: UpstreamSink) {
    const s = { variables: { ...payload.variables }, sink, open: true };
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
});

describe('subscription settings', () => {
  it('come from the environment with documented defaults, and refuse nonsense', () => {
    expect(subscriptionOptions({}, {})).toEqual(SUBSCRIPTION_DEFAULTS);
    expect(subscriptionOptions({}, { SUBSCRIPTION_UPSTREAM_RETRY_MS: '5000' }).upstreamRetryMs).toBe(5000);
    expect(() => subscriptionOptions({}, { SUBSCRIPTION_QUEUE_LIMIT: 'lots' })).toThrow(/SUBSCRIPTION_QUEUE_LIMIT/);
  });
});
