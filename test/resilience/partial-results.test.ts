/**
 * When a subgraph is down or slow, the rest of a query still answers, with
 * errors that name the missing part; the gateway recovers by itself when the
 * subgraph is back; a slow subgraph costs at most SUBGRAPH_TIMEOUT_MS; and a
 * mutation is never sent twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, startExtraGateway } from '../helpers/gateway.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const MIXED = 'query Mixed { categories { id name } viewer { id } }';

describe('a subgraph down or slow', () => {
  let t: TestStack;
  const health = async () => {
    const res = await fetch(t.url.replace('/graphql', '/health'));
    return { status: res.status, body: await res.json() };
  };
  beforeAll(async () => {
    t = await startTestStack();
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('gives the rest of the query, with SUBGRAPH_UNAVAILABLE naming the stopped subgraph, and recovers after its restart', async () => {
    const whole = await t.client.data(MIXED);
    expect(whole.viewer).toBeNull();

    await t.stack.stopSubgraph('users');
    const down = await t.client.request(MIXED);
    expect(down.status).toBe(200);
    expect(down.data).toEqual(whole);
    expect(down.errors).toHaveLength(1);
    expect(down.errors![0].extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'users' });
    expect(down.errors![0].message).toBe('The users service is unavailable.');
    expect(await health()).toEqual({ status: 503, body: { status: 'unavailable', failing: { users: 'unreachable' } } });

    await t.stack.startSubgraph('users');
    const back = await t.client.request(MIXED);
    expect(back.errors).toBeUndefined();
    expect(back.data).toEqual(whole);
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers within SUBGRAPH_TIMEOUT_MS when a subgraph is slow, with SUBGRAPH_TIMEOUT for its part', async () => {
    const slow = await startDelayProxy(t.stack.urls.users, 10_000);
    const g = await startExtraGateway(t, { urls: { users: slow.url }, env: { SUBGRAPH_TIMEOUT_MS: '400' } });
    try {
      const started = Date.now();
      const r = await g.client.request(MIXED);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(380);
      expect(took).toBeLessThan(6000); // far less than the 10 s the subgraph takes
      expect(r.data).toEqual(await t.client.data(MIXED));
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0].extensions).toEqual({ code: 'SUBGRAPH_TIMEOUT', serviceName: 'users' });
      const metrics = await (await fetch(g.gateway.metricsUrl!)).text();
      expect(metrics).toContain('gateway_subgraph_errors_total{kind="timeout",subgraph="users"} 1');
      expect(metrics).toContain('gateway_requests_total{operation="Mixed",outcome="partial"} 1');
    } finally {
      await g.stop();
      await slow.close();
    }
  });

  it('never sends a mutation twice, even when it timed out', async () => {
    const slow = await startDelayProxy(t.stack.urls.users, 1500);
    const g = await startExtraGateway(t, { urls: { users: slow.url }, env: { SUBGRAPH_TIMEOUT_MS: '200' } });
    try {
      const r = await g.client.request(
        `mutation { register(input: { email: "slow-${Date.now()}@example.test", password: "correct-Horse-9-battery", fullName: "Slow" }) { userErrors { code } } }`,
      );
      expect(r.errors?.[0].extensions).toEqual({ code: 'SUBGRAPH_TIMEOUT', serviceName: 'users' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(slow.requests).toBe(1);
    } finally {
      await g.stop();
      await slow.close();
    }
  });
});
