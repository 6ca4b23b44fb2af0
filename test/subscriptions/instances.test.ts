import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../platform/db.ts';
import { createLogger } from '../../platform/log.ts';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/runtime.ts';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { startExtraGateway, type ExtraGateway } from '../helpers/gateway.ts';
import { M, placedOrder } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, eventually, subscribe } from '../helpers/subscriptions.ts';

const ORDERS = `subscription($after: String) { orderStatusChanged(after: $after) { cursor status previousStatus order { id } } }`;

describe.skipIf(!onPostgres)('subscriptions across two gateways and two orders instances on one PostgreSQL', () => {
  let t: TestStack;
  let orders2: RunningSubgraph;
  let gateway2: ExtraGateway;
  let buyer: Account;
  let seller: Account;

  beforeAll(async () => {
    t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
    // a second orders instance with its own event bus, on the same database
    orders2 = await startSubgraph('orders', {
      config: t.config,
      keys: t.keys,
      secret: t.stack.secret,
      clock: t.clock,
      log: createLogger('silent'),
      port: 0,
      urls: t.stack.urls,
    });
    // a second gateway whose orders subgraph is that second instance
    gateway2 = await startExtraGateway(t, { urls: { orders: orders2.url } });
    buyer = await registerUser(t.client, { fullName: 'Multi Buyer' });
    seller = await registerUser(t.client, { fullName: 'Multi Seller' });
  }, 180_000);

  afterAll(async () => {
    await gateway2?.stop();
    await orders2?.stop();
    await t?.stop();
  }, 60_000);

  /** `n` orders placed and cancelled through the first gateway: 2 events each. */
  async function churn(n: number) {
    for (let i = 0; i < n; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, n - i) }, async () => {
          const order = await placedOrder(t, buyer, seller);
          const r = await buyer.client.data(M.cancel, { id: order.id, reason: 'changed my mind' });
          expect(r.cancelOrder.userErrors).toEqual([]);
        }),
      );
    }
  }

  /** The positions on the bus (the cursors) of the buyer's events in the outbox, in the bus's order. */
  async function loggedSeqs(): Promise<string[]> {
    const rows = await queryRows<{ seq: string }>(
      t.stack.eventsDb.drizzle,
      sql`select seq from events.log where topic = 'order.status_changed' and audience @> ${`{${buyer.userId}}`}::text[] order by seq`,
    );
    const positions = await t.stack.bus.positions(
      t.stack.eventsDb,
      'orders',
      rows.map((r) => Number(r.seq)),
    );
    return positions.sort((a, b) => a - b).map(String);
  }

  it('delivers through one gateway what the other made, and a client resuming on the other gateway misses nothing and sees nothing twice (200 events)', async () => {
    const first = connect(t, buyer.token, { url: gateway2.url.replace(/^http/, 'ws') });
    const live = subscribe(first, ORDERS, { after: '0' });
    await churn(50); // 100 events
    await live.waitFor(100, 30_000);
    const seen = live.events.map((e) => e.orderStatusChanged.cursor as string);
    await first.dispose();

    // more changes commit while the client is away and while it resumes
    const more = churn(50); // 100 more events
    await new Promise((r) => setTimeout(r, 200));
    const second = connect(t, buyer.token); // the first gateway this time
    const resumed = subscribe(second, ORDERS, { after: seen[seen.length - 1] });
    await more;
    await resumed.waitFor(100, 30_000);
    await eventually(async () => (await loggedSeqs()).length === 200, 10_000, 'all events logged');
    const all = [...seen, ...resumed.events.map((e) => e.orderStatusChanged.cursor as string)];
    await new Promise((r) => setTimeout(r, 300)); // nothing extra arrives
    await second.dispose();

    expect(resumed.results.every((r) => r.errors === undefined)).toBe(true);
    expect(all).toEqual(await loggedSeqs()); // in order, no gap, no duplicate
    expect(resumed.events.length).toBe(100);
  }, 120_000);
});
