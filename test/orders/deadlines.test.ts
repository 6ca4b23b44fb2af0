import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalClient } from '../../platform/internal.ts';
import { createLogger } from '../../platform/log.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { TestPaymentProvider } from '../../subgraphs/orders/payments/test-provider.ts';
import { LifecycleService } from '../../subgraphs/orders/service/lifecycle.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { client, M, ORDER_QUERY, eventually, orderIn, pay, placedOrder } from '../helpers/orders.ts';

const HOUR = 3600;

describe('deadlines, enforced by the sweeper', () => {
  let t: TestStack;
  let buyer: Person;
  let seller: Person;
  beforeAll(async () => {
    t = await startTestStack({
      env: {
        ORDER_PAYMENT_WINDOW_S: String(HOUR),
        ORDER_SHIPPING_WINDOW_S: String(2 * HOUR),
        ORDER_DELIVERY_WINDOW_S: String(3 * HOUR),
        ORDER_FEEDBACK_WINDOW_S: String(4 * HOUR),
        ORDER_SWEEP_INTERVAL_MS: '50',
      },
    });
    [buyer, seller] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  const order = async (id: string) => (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id })).order;
  const statusBecomes = (id: string, status: string) =>
    eventually(async () => {
      const o = await order(id);
      expect(o.status).toBe(status);
      return o;
    });

  it('sets the payment deadline from ORDER_PAYMENT_WINDOW_S, and leaves an order alone before it passes', async () => {
    const o = await placedOrder(t, buyer, seller);
    const got = await order(o.id);
    expect(Date.parse(got.paymentDeadline) - Date.parse(got.createdAt)).toBe(HOUR * 1000);
    t.clock.advance(HOUR - 60);
    await new Promise((r) => setTimeout(r, 300));
    expect((await order(o.id)).status).toBe('PAYMENT_REQUIRED');
    await buyer.client.data(M.cancel, { id: o.id });
  });

  it('cancels an unpaid order once its payment deadline passes', async () => {
    const o = await placedOrder(t, buyer, seller);
    t.clock.advance(HOUR + 1);
    const got = await statusBecomes(o.id, 'CANCELLED');
    expect(got.statusHistory.at(-1)).toMatchObject({ status: 'CANCELLED', reason: 'Payment deadline passed' });
  });

  it('cancels and refunds a paid order that was not shipped in time', async () => {
    const id = await orderIn(t, buyer, seller, 'SHIPMENT_REQUIRED');
    t.clock.advance(2 * HOUR + 1);
    await statusBecomes(id, 'CANCELLED');
    const db = t.stack.subgraphs.orders.db.drizzle;
    await eventually(async () => {
      const rows = await db.execute(`select order_id from orders.refunds where order_id = '${id}'` as never);
      expect(JSON.stringify(rows)).toContain(id);
    });
  });

  it('moves an unconfirmed delivery to FEEDBACK_REQUIRED, then to COMPLETED when the feedback window closes', async () => {
    const id = await orderIn(t, buyer, seller, 'UNCONFIRMED_DELIVERY');
    t.clock.advance(3 * HOUR + 1);
    const fb = await statusBecomes(id, 'FEEDBACK_REQUIRED');
    expect(fb.feedbackDeadline).toBeTruthy();
    t.clock.advance(4 * HOUR + 1);
    const done = await statusBecomes(id, 'COMPLETED');
    expect(done.statusHistory.map((h: any) => h.status)).toEqual([
      'PAYMENT_REQUIRED',
      'SHIPMENT_REQUIRED',
      'UNCONFIRMED_DELIVERY',
      'FEEDBACK_REQUIRED',
      'COMPLETED',
    ]);
    expect(done.feedback).toBeNull();
  });

  it('gives a buyer who extends the shipping time those extra days', async () => {
    const id = await orderIn(t, buyer, seller, 'SHIPMENT_REQUIRED');
    await buyer.client.data(M.extend, { id, days: 1 });
    t.clock.advance(2 * HOUR + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await order(id)).status).toBe('SHIPMENT_REQUIRED');
  });
});

describe.skipIf(!onPostgres)('people racing each other and the sweeper (PostgreSQL only: needs real concurrent connections)', () => {
  let t: TestStack;
  let buyer: Person;
  let seller: Person;
  beforeAll(async () => {
    t = await startTestStack({ env: { ORDER_DELIVERY_WINDOW_S: '3600', ORDER_SWEEP_INTERVAL_MS: '10' } });
    [buyer, seller] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  const historyOf = async (id: string) => (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id })).order.statusHistory;

  it('lets exactly one of cancelOrder and shipOrder win, with one transition and one event', async () => {
    for (let i = 0; i < 5; i++) {
      const id = await orderIn(t, buyer, seller, 'SHIPMENT_REQUIRED');
      const [c, s] = await Promise.all([buyer.client.data<any>(M.cancel, { id }), seller.client.data<any>(M.ship, { id, tn: 'RACE-1' })]);
      const wins = [c.cancelOrder, s.shipOrder].filter((p) => p.userErrors.length === 0);
      expect(wins).toHaveLength(1);
      expect([c.cancelOrder, s.shipOrder].find((p) => p.userErrors.length)?.userErrors[0].code).toBe('INVALID_STATE');
      const h = await historyOf(id);
      expect(h.map((x: any) => x.status).slice(2)).toHaveLength(1);
      const db = t.stack.subgraphs.orders.db.drizzle;
      const events = await db.execute(
        `select count(*)::int as n from events.log where topic = 'order.status_changed' and payload->>'orderId' = '${id}'
           and payload->>'previousStatus' = 'SHIPMENT_REQUIRED'` as never,
      );
      expect(JSON.stringify(events)).toContain('"n":1');
    }
  });

  it('lets exactly one of confirmReceipt and the delivery deadline win', async () => {
    for (let i = 0; i < 5; i++) {
      const id = await orderIn(t, buyer, seller, 'UNCONFIRMED_DELIVERY');
      t.clock.advance(3601);
      const r = (await buyer.client.data<any>(M.confirm, { id })).confirmReceipt;
      if (r.userErrors.length) expect(r.userErrors[0].code).toBe('INVALID_STATE');
      await eventually(async () => {
        const h = await historyOf(id);
        expect(h.map((x: any) => x.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED', 'UNCONFIRMED_DELIVERY', 'FEEDBACK_REQUIRED']);
      });
    }
  });

  it('applies each deadline exactly once when several orders instances sweep at the same moment', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await placedOrder(t, buyer, seller)).id);
    // three more sweepers on the same database, as three more instances would run
    const internal = new InternalClient(t.stack.urls, t.stack.secret);
    const others = [0, 1, 2].map(
      () =>
        new LifecycleService(
          { db: t.stack.subgraphs.orders.db, clock: t.clock, config: t.config, log: createLogger('silent'), internal } as unknown as SubgraphDeps,
          new TestPaymentProvider(t.stack.subgraphs.orders.db.drizzle),
        ),
    );
    t.clock.advance(t.config.orderClock.paymentWindowS + 1);
    await Promise.all(others.map((o) => o.sweepOnce()));
    const db = t.stack.subgraphs.orders.db.drizzle;
    const list = ids.map((id) => `'${id}'`).join(',');
    const history = await db.execute(
      `select order_id, count(*)::int as n from orders.status_history where status = 'CANCELLED' and order_id in (${list}) group by order_id` as never,
    );
    const events = await db.execute(
      `select count(*)::int as n from events.log where topic = 'order.status_changed' and payload->>'status' = 'CANCELLED'
         and payload->>'orderId' in (${list})` as never,
    );
    const rows = (Array.isArray(history) ? history : (history as any).rows) as { n: number }[];
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(JSON.stringify(events)).toContain('"n":30');
  });

  it('charges once for ten concurrent payOrders with one key, and answers all ten with that payment', async () => {
    const o = await placedOrder(t, buyer, seller);
    const key = `pay-${o.id}`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => pay(buyer, [o.id], 'tok_visa', key)));
    expect(answers.every((a) => a.userErrors.length === 0)).toBe(true);
    expect(new Set(answers.map((a) => a.payment.id)).size).toBe(1);
    const db = t.stack.subgraphs.orders.db.drizzle;
    const rows = await db.execute(`select count(*)::int as n from orders.payments where key = '${key}'` as never);
    expect(JSON.stringify(rows)).toContain('"n":1');
    const h = await historyOf(o.id);
    expect(h.filter((x: any) => x.status === 'SHIPMENT_REQUIRED')).toHaveLength(1);
  });
});
