/**
 * Review findings in orders (payments, deadlines, refunds, checkout), each driven through the
 * gateway as buyers and sellers use it, with the manual clock for deadlines.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as q from '../../subgraphs/orders/db/queries/index.ts';
import { mintPerson, registerBuyer, type Buyer, type Person } from '../helpers/accounts.ts';
import { rowsOf } from '../../platform/db.ts';
import { promotionsInternal } from '../helpers/promotions.ts';
import { addToCart, client, eventually, expectOk, M, ORDER_QUERY, pay, placedOrder, shop, type Shop } from '../helpers/orders.ts';
import postgres from 'postgres';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

function checkout(b: Buyer, input: Record<string, unknown>) {
  return b.client
    .data<{ checkout: any }>(M.checkout, { input: { shippingAddressId: b.addressId, idempotencyKey: crypto.randomUUID(), ...input } })
    .then((d) => d.checkout);
}

/** A seller coupon of the shop, claimed by the buyer; answers its code. */
async function claimedCoupon(t: TestStack, s: Shop, b: Buyer, amountOff: string): Promise<string> {
  const code = `S${crypto.randomBytes(5).toString('hex')}`.toUpperCase();
  await expectOk(
    s.seller.client,
    `mutation($input: CreateCouponInput!) { createCoupon(input: $input) { coupon { id } userErrors { field code message } } }`,
    {
      input: {
        kind: 'SELLER',
        storeId: s.storeId,
        code,
        title: 'Store coupon',
        amountOff,
        minOrderAmount: '0',
        expiresAt: new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString(),
      },
    },
    'createCoupon',
  );
  await expectOk(
    b.client,
    `mutation($code: String) { claimCoupon(code: $code) { userCoupon { status } userErrors { field code message } } }`,
    { code },
    'claimCoupon',
  );
  return code;
}

const WINDOW_S = 600; // the payment window
const LEASE_S = 1800; // a payment attempt's lease: it outlives the payment window

describe('review fixes in orders', () => {
  let t: TestStack;
  let buyer: Person;
  let seller: Person;
  beforeAll(async () => {
    t = await startTestStack({
      env: {
        ORDER_PAYMENT_WINDOW_S: String(WINDOW_S),
        PAYMENT_CLAIM_LEASE_S: String(LEASE_S),
        ORDER_SWEEP_INTERVAL_MS: '50',
      },
    });
    [buyer, seller] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  const order = async (id: string) => (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id })).order;

  /** A payment attempt holding the order's claim, as payOrders leaves it while the provider is charging. */
  async function charging(orderId: string) {
    const db = t.stack.subgraphs.orders.db.drizzle;
    const [o] = await q.ordersByIds(db, [orderId]);
    return db.transaction(async (tx) => {
      const p = await q.claimPayment(tx, {
        buyerId: buyer.userId,
        key: crypto.randomUUID(),
        method: 'CARD',
        orderIds: [orderId],
        amount: o.total,
        leaseUntil: new Date(t.clock.now().getTime() + LEASE_S * 1000),
      });
      expect(await q.claimOrdersForPayment(tx, p!.id, buyer.userId, [orderId])).toEqual([orderId]);
      return p!;
    });
  }

  it('does not cancel an order for a passed payment deadline while its payment is charging, and cancels it once the dead attempt is recovered', async () => {
    const o = await placedOrder(t, buyer, seller);
    await charging(o.id);
    t.clock.advance(WINDOW_S + 1);
    // several sweeps run (every 50 ms); the order waits for its payment's outcome
    await new Promise((r) => setTimeout(r, 600));
    expect((await order(o.id)).status).toBe('PAYMENT_REQUIRED');
    // the attempt died: once its lease passes, the payments sweeper frees the claim (nothing charged) ...
    t.clock.advance(LEASE_S);
    // ... and the deadline sweeper cancels the order
    const got = await eventually(async () => {
      const x = await order(o.id);
      expect(x.status).toBe('CANCELLED');
      return x;
    });
    expect(got.statusHistory.at(-1)).toMatchObject({ status: 'CANCELLED', reason: 'Payment deadline passed' });
  });

  it('settles the refund of a cancelled order whose coupon covered its whole total, without asking the provider to refund nothing', async () => {
    const s = await shop(t, { price: '5.00' });
    const b = await registerBuyer(t.client);
    const code = await claimedCoupon(t, s, b, '5.00');
    await addToCart(b.client, s.variantId, 1);
    const c = await checkout(b, { couponCodes: [code], shipping: [{ storeId: s.storeId, method: 'STANDARD' }] });
    expect(c.userErrors).toEqual([]);
    const id = c.orders[0].id;
    expect(c.orders[0].total).toEqual({ amount: '0.00' });
    const p = await pay(b, [id]);
    expect(p.userErrors).toEqual([]);
    expect(p.orders[0].status).toBe('SHIPMENT_REQUIRED');
    const cancelled = await expectOk(b.client, M.cancel, { id }, 'cancelOrder');
    expect(cancelled.order.status).toBe('CANCELLED');
    // the give-backs finish: nothing is left due, and the provider was not asked to refund 0
    const db = t.stack.subgraphs.orders.db.drizzle;
    await eventually(async () => {
      const [o] = rowsOf<any>(await db.execute(`select release_stock_due, release_coupons_due, refund_due from orders.orders where id = '${id}'` as never));
      expect(o).toEqual({ release_stock_due: false, release_coupons_due: false, refund_due: false });
    });
    const [refund] = rowsOf<any>(await db.execute(`select amount from orders.refunds where order_id = '${id}'` as never));
    expect(Number(refund.amount)).toBe(0);
    expect(rowsOf(await db.execute(`select 1 from orders.test_provider_refunds where idempotency_key = 'refund:${id}'` as never))).toEqual([]);
  });

  it('checks out with a coupon under an idempotency key of 200 characters', async () => {
    const s = await shop(t, { price: '10.00' });
    const b = await registerBuyer(t.client);
    const code = await claimedCoupon(t, s, b, '2.00');
    await addToCart(b.client, s.variantId, 1);
    const key = `k${crypto.randomUUID()}`.padEnd(200, 'x');
    const c = await checkout(b, { couponCodes: [code], idempotencyKey: key });
    expect(c.userErrors).toEqual([]);
    expect(c.orders[0]).toMatchObject({ total: { amount: '8.00' }, couponCodes: [code] });
    // the same key answers the same order
    const again = await checkout(b, { couponCodes: [code], idempotencyKey: key });
    expect(again.orders.map((o: any) => o.id)).toEqual([c.orders[0].id]);
  });

  describe.skipIf(!onPostgres)('held up by locks (PostgreSQL only: needs concurrent connections)', () => {
    let admin: postgres.Sql;
    beforeAll(() => {
      admin = postgres(t.databaseUrl!, { max: 4, onnotice: () => {} });
    });
    afterAll(async () => {
      await admin?.end();
    });

    /** Sessions of the test database waiting for a lock on `table` (schema.name). */
    async function waitingOn(table: string): Promise<number> {
      const [r] = await admin`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
        join pg_namespace n on n.oid = c.relnamespace where not l.granted and n.nspname || '.' || c.relname = ${table}`;
      return r.n;
    }
    async function until(check: () => Promise<boolean>, ms = 30_000) {
      const end = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > end) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

    it('answers a checkout whose coupon redemption key was released (its attempt was taken over) as taken over, not as an inapplicable coupon', async () => {
      const s = await shop(t, { price: '10.00' });
      const b = await registerBuyer(t.client);
      const code = await claimedCoupon(t, s, b, '2.00');
      await addToCart(b.client, s.variantId, 1);
      const key = crypto.randomUUID();
      let answer: Promise<any> | undefined;
      await admin.begin(async (tx) => {
        // the checkout claims its key, then waits for the cart
        await tx`lock table catalog.carts in access exclusive mode`;
        answer = checkout(b, { couponCodes: [code], idempotencyKey: key });
        await until(async () => (await waitingOn('catalog.carts')) >= 1);
        // meanwhile its redemption key is released (as the give-backs of a taken-over attempt do)
        const [claim] = await admin`select attempt from orders.checkouts where buyer_id = ${b.userId} and key = ${key}`;
        const sagaKey = `checkout:${b.userId}:${sha256(key)}:${claim.attempt}`;
        expect(await promotionsInternal(t, 'releaseCoupons', { key: sagaKey })).toEqual({ ok: true });
      });
      const c = await answer!;
      expect(c.userErrors).toEqual([{ code: 'INVALID_STATE', field: ['input', 'idempotencyKey'], message: expect.stringMatching(/took over/) }]);
      // the coupon is still the buyer's to use
      const d = await b.client.data<any>(`{ viewer { coupons { status coupon { code } } } }`);
      expect(d.viewer.coupons.find((x: any) => x.coupon.code === code).status).toBe('AVAILABLE');
    }, 120_000);

    it('answers "try again" when its payment attempt was recovered (nothing charged) while the card was being declined', async () => {
      const o = await placedOrder(t, buyer, seller);
      const key = crypto.randomUUID();
      let answer: Promise<any> | undefined;
      const held = await admin.reserve();
      try {
        await admin.begin(async (tx) => {
          // the attempt claims the order, then waits to reach the provider
          await tx`lock table orders.test_provider_charges in share row exclusive mode`;
          answer = buyer.client.request(M.pay, { ids: [o.id], token: 'tok_chargeDeclined', key });
          await until(async () => (await waitingOn('orders.test_provider_charges')) >= 1);
          // its payment row is held, so that it settles only after the recovery below
          await held`begin`;
          await held`select id from orders.payments where buyer_id = ${buyer.userId} and key = ${key} for update`;
        }); // the card is declined now; the attempt waits for its payment row
        await until(async () => {
          const [r] = await admin`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
          return r.n >= 1;
        });
        // what a recovery does once the provider answers "not charged": the payment and its claims go
        const [p] = await held`delete from orders.payments where buyer_id = ${buyer.userId} and key = ${key} returning id`;
        await held`update orders.orders set paying_payment_id = null where paying_payment_id = ${p.id}`;
        await held`commit`;
      } finally {
        held.release();
      }
      const r = await answer!;
      expect(r.errors?.map((e: any) => e.extensions?.code)).toBeUndefined();
      expect(r.data.payOrders.userErrors).toEqual([{ code: 'INVALID_STATE', field: ['idempotencyKey'], message: expect.stringMatching(/try again/i) }]);
      expect((await order(o.id)).status).toBe('PAYMENT_REQUIRED');
      // and the order can be paid
      expect((await pay(buyer, [o.id])).userErrors).toEqual([]);
    }, 120_000);
  });
});
