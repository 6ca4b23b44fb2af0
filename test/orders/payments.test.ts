/**
 * payOrders charges an order at most once, whatever the idempotency keys, and
 * recovers the payments of attempts that died. What was charged is read from
 * the built-in test provider's own records (orders.test_provider_charges and
 * orders.test_provider_refunds), never from the orders' view of it.
 *
 * An attempt that died is set up the way it leaves the database: its claim
 * written straight into the orders database (as `placedOrder` writes orders),
 * and, where it got that far, its charge made through the provider.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../platform/db.ts';
import * as q from '../../subgraphs/orders/db/queries/index.ts';
import { TestPaymentProvider } from '../../subgraphs/orders/payments/test-provider.ts';
import { TWIN_WAIT_MS } from '../../subgraphs/orders/service/payments.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { client, eventually, ORDER_QUERY, pay, placedOrder } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const LEASE_S = 30;

async function sql<T = Record<string, unknown>>(t: TestStack, text: string): Promise<T[]> {
  return rowsOf<T>(await t.stack.subgraphs.orders.db.drizzle.execute(text as never));
}

/** Charges the provider made (SUCCEEDED), all time. */
async function chargeCount(t: TestStack): Promise<number> {
  const [r] = await sql<{ n: number }>(t, `select count(*)::int as n from orders.test_provider_charges where status = 'SUCCEEDED'`);
  return Number(r.n);
}

/** What an attempt leaves behind when its process dies right after claiming: the key and the orders, leased. */
async function deadAttempt(t: TestStack, buyer: Person, orderId: string, key: string, opts: { claimOrders?: boolean; lease?: boolean } = {}) {
  const db = t.stack.subgraphs.orders.db.drizzle;
  const [order] = await q.ordersByIds(db, [orderId]);
  return db.transaction(async (tx) => {
    const p = await q.claimPayment(tx, {
      buyerId: buyer.userId,
      key,
      method: 'CARD',
      orderIds: [orderId],
      amount: order.total,
      leaseUntil: new Date(t.clock.now().getTime() + LEASE_S * 1000),
    });
    if (opts.lease === false) await tx.execute(`update orders.payments set lease_until = null where id = '${p!.id}'` as never);
    if (opts.claimOrders !== false) expect(await q.claimOrdersForPayment(tx, p!.id, buyer.userId, [orderId])).toEqual([orderId]);
    return p!;
  });
}

describe('payOrders: one charge per order, dead attempts recovered', () => {
  let t: TestStack;
  let buyer: Person;
  let seller: Person;
  let provider: TestPaymentProvider;
  beforeAll(async () => {
    t = await startTestStack({ env: { PAYMENT_CLAIM_LEASE_S: String(LEASE_S), ORDER_SWEEP_INTERVAL_MS: '50' } });
    [buyer, seller] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
    // the same provider the orders subgraph talks to: its records are in the orders database
    provider = new TestPaymentProvider(t.stack.subgraphs.orders.db.drizzle);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  const order = async (id: string) => (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id })).order;

  it('charges once through the provider and remembers the charge there under the payment id', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 4321 });
    const before = await chargeCount(t);
    const p = await pay(buyer, [o.id]);
    expect(p.userErrors).toEqual([]);
    expect(p.payment).toMatchObject({ status: 'SUCCEEDED', amount: { amount: '43.21' } });
    expect(await chargeCount(t)).toBe(before + 1);
    const [charge] = await sql(t, `select amount, status from orders.test_provider_charges where idempotency_key = '${p.payment.id}'`);
    expect(charge).toMatchObject({ amount: 4321, status: 'SUCCEEDED' });
  });

  it('lets a declined card or an unknown token be followed by a good card with a new key', async () => {
    const o = await placedOrder(t, buyer, seller);
    expect((await pay(buyer, [o.id], 'tok_chargeDeclined')).userErrors[0].code).toBe('PAYMENT_DECLINED');
    expect((await pay(buyer, [o.id], 'tok_nonsense')).userErrors[0].code).toBe('INVALID_INPUT');
    const p = await pay(buyer, [o.id]);
    expect(p.userErrors).toEqual([]);
    expect(p.orders[0].status).toBe('SHIPMENT_REQUIRED');
  });

  it('answers a retry with the key of a stuck payment at once with INVALID_STATE, well within the gateway timeout, and changes nothing', async () => {
    const o = await placedOrder(t, buyer, seller);
    const key = `stuck-${o.id}`;
    await deadAttempt(t, buyer, o.id, key);
    const before = await chargeCount(t);
    const started = Date.now();
    const retry = await pay(buyer, [o.id], 'tok_visa', key);
    const took = Date.now() - started;
    expect(retry.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', message: expect.stringMatching(/still in progress/) })]);
    expect(retry.payment).toBeNull();
    // an answer, not the gateway's SUBGRAPH_TIMEOUT (5 s): the twin waits TWIN_WAIT_MS at most
    expect(TWIN_WAIT_MS).toBeLessThanOrEqual(3000);
    expect(took).toBeLessThan(5000);
    // another key is told that a payment is in progress, at once
    const other = await pay(buyer, [o.id]);
    expect(other.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', message: expect.stringMatching(/already in progress/) })]);
    expect(await chargeCount(t)).toBe(before);
    expect((await order(o.id)).status).toBe('PAYMENT_REQUIRED');
  });

  it('frees the claim of an attempt that died before charging once its lease passes, so the retry pays exactly once', async () => {
    const o = await placedOrder(t, buyer, seller);
    const key = `died-before-charge-${o.id}`;
    const dead = await deadAttempt(t, buyer, o.id, key);
    const before = await chargeCount(t);
    t.clock.advance(LEASE_S + 1);
    const retry = await pay(buyer, [o.id], 'tok_visa', key);
    expect(retry.userErrors).toEqual([]);
    expect(retry.payment.status).toBe('SUCCEEDED');
    expect(retry.orders[0].status).toBe('SHIPMENT_REQUIRED');
    expect(await chargeCount(t)).toBe(before + 1);
    // the dead attempt's provider key is closed: a late charge with it charges nothing
    expect(await provider.charge({ amount: 2500, currency: 'USD', method: 'CARD', token: 'tok_visa', idempotencyKey: dead.id })).toEqual({
      status: 'CANCELLED',
    });
    expect(await chargeCount(t)).toBe(before + 1);
    expect((await pay(buyer, [o.id], 'tok_visa', key)).payment.id).toBe(retry.payment.id);
  });

  it('records the charge of an attempt that died after charging: the sweeper asks the provider by key, the order is paid, nothing is charged twice', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 1999 });
    const key = `died-after-charge-${o.id}`;
    const dead = await deadAttempt(t, buyer, o.id, key);
    const charged = await provider.charge({ amount: 1999, currency: 'USD', method: 'CARD', token: 'tok_visa', idempotencyKey: dead.id });
    expect(charged.status).toBe('SUCCEEDED');
    const before = await chargeCount(t);
    t.clock.advance(LEASE_S + 1);
    const paid = await eventually(async () => {
      const got = await order(o.id);
      expect(got.status).toBe('SHIPMENT_REQUIRED');
      return got;
    });
    expect(paid.statusHistory.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
    const [payment] = await sql(t, `select state, provider_ref from orders.payments where id = '${dead.id}'`);
    expect(payment).toEqual({ state: 'SUCCEEDED', provider_ref: (charged as { reference: string }).reference });
    const again = await pay(buyer, [o.id], 'tok_visa', key);
    expect(again.userErrors).toEqual([]);
    expect(again.payment).toMatchObject({ id: dead.id, status: 'SUCCEEDED', amount: { amount: '19.99' } });
    expect(await chargeCount(t)).toBe(before);
  });

  it('refunds, and records, a second charge that slipped through for an order already paid (a payment stuck from before claims existed)', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 3100 });
    const firstKey = crypto.randomUUID();
    const p = await pay(buyer, [o.id], 'tok_visa', firstKey);
    expect(p.userErrors).toEqual([]);
    // a PENDING payment of the same order, without lease nor order claim (as payments stuck before this
    // fix are), whose charge the provider made: a second charge
    const stuckKey = `legacy-${o.id}`;
    const stuck = await deadAttempt(t, buyer, o.id, stuckKey, { claimOrders: false, lease: false });
    const slipped = await provider.charge({ amount: 3100, currency: 'USD', method: 'CARD', token: 'tok_visa', idempotencyKey: stuck.id });
    expect(slipped.status).toBe('SUCCEEDED');
    const reference = (slipped as { reference: string }).reference;
    // the sweeper recovers it: charged, but the order is paid already, so the charge goes back
    const refund = await eventually(async () => {
      const rows = await sql(t, `select charge_reference, amount, idempotency_key from orders.test_provider_refunds where charge_reference = '${reference}'`);
      expect(rows).toHaveLength(1);
      return rows[0];
    });
    expect(refund).toEqual({ charge_reference: reference, amount: 3100, idempotency_key: `void:${stuck.id}` });
    // the provider records the refund before the sweeper records the provider's answer: wait for both
    const voided = await eventually(async () => {
      const [row] = await sql(t, `select state, void_amount, void_due, void_ref from orders.payments where id = '${stuck.id}'`);
      expect(row).toMatchObject({ state: 'VOIDED', void_amount: 3100, void_due: false });
      return row;
    });
    expect(voided.void_ref).toMatch(/^re_test_/);
    // the first payment is untouched: no refund of it, the order paid by it once
    const [kept] = await sql<{ reference: string }>(t, `select reference from orders.test_provider_charges where idempotency_key = '${p.payment.id}'`);
    expect(await sql(t, `select 1 from orders.test_provider_refunds where charge_reference = '${kept.reference}'`)).toEqual([]);
    const got = await order(o.id);
    expect(got.status).toBe('SHIPMENT_REQUIRED');
    expect(got.statusHistory.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
    // the stuck key now answers what became of it
    const retry = await pay(buyer, [o.id], 'tok_visa', stuckKey);
    expect(retry.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', message: expect.stringMatching(/refunded/) })]);
    expect((await pay(buyer, [o.id], 'tok_visa', firstKey)).payment.id).toBe(p.payment.id);
  });
});

describe.skipIf(!onPostgres)('payOrders racing itself with different keys (PostgreSQL only: needs real concurrent connections)', () => {
  let t: TestStack;
  let buyer: Person;
  let seller: Person;
  beforeAll(async () => {
    t = await startTestStack();
    [buyer, seller] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('charges an order once when ten payOrders with ten different keys arrive together; the nine others get INVALID_STATE', async () => {
    for (let round = 0; round < 3; round++) {
      const o = await placedOrder(t, buyer, seller, { total: 5000 + round });
      const before = await chargeCount(t);
      const answers = await Promise.all(Array.from({ length: 10 }, () => pay(buyer, [o.id], 'tok_visa', crypto.randomUUID())));
      const won = answers.filter((a) => a.userErrors.length === 0);
      expect(won).toHaveLength(1);
      expect(won[0].payment.status).toBe('SUCCEEDED');
      expect(won[0].orders[0].status).toBe('SHIPMENT_REQUIRED');
      for (const a of answers.filter((x) => x.userErrors.length)) {
        expect(a.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
        expect(a.payment).toBeNull();
      }
      const payments = await sql(t, `select state from orders.payments where '${o.id}' = any(order_ids)`);
      expect(payments).toEqual([{ state: 'SUCCEEDED' }]);
      expect(await chargeCount(t)).toBe(before + 1);
      const [charge] = await sql(t, `select amount from orders.test_provider_charges where idempotency_key = '${won[0].payment.id}'`);
      expect(charge).toEqual({ amount: 5000 + round });
      const history = (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id: o.id })).order.statusHistory;
      expect(history.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
      expect(await sql(t, `select order_id from orders.refunds where order_id = '${o.id}'`)).toEqual([]);
    }
  });

  it('never charges an order twice when payments of overlapping sets of orders race, and answers each of them', async () => {
    const [a, b, c] = await Promise.all([1000, 2000, 4000].map((total) => placedOrder(t, buyer, seller, { total })));
    const sets = [
      [a.id, b.id],
      [b.id, c.id],
      [c.id, a.id],
    ];
    const before = await chargeCount(t);
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => pay(buyer, sets[i % 3], 'tok_visa', crypto.randomUUID())));
    const won = answers.filter((x) => x.userErrors.length === 0);
    for (const x of answers.filter((y) => y.userErrors.length)) expect(x.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
    // the winners paid disjoint sets of orders
    const paid = won.flatMap((w) => w.orders.map((o: any) => o.id));
    expect(new Set(paid).size).toBe(paid.length);
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const o of [a, b, c]) {
      const history = (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id: o.id })).order.statusHistory;
      expect(history.filter((h: any) => h.status === 'SHIPMENT_REQUIRED').length).toBe(paid.includes(o.id) ? 1 : 0);
    }
    expect(await chargeCount(t)).toBe(before + won.length);
    const [sum] = await sql<{ n: number }>(
      t,
      `select coalesce(sum(amount), 0)::int as n from orders.test_provider_charges where status = 'SUCCEEDED'
         and idempotency_key in (${won.map((w) => `'${w.payment.id}'`).join(',')})`,
    );
    expect(Number(sum.n)).toBe([a, b, c].filter((o) => paid.includes(o.id)).reduce((s, o) => s + o.total, 0));
  });
});
