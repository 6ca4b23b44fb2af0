import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, registerUser, type Account, type Person } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { CLAIM_COUPON, MY_COUPONS, platformCoupon, promotionsInternal } from '../helpers/promotions.ts';

const uuid = () => crypto.randomUUID();

describe('redeeming coupons at checkout (internal operations for the orders subgraph)', () => {
  let t: TestStack;
  let admin: Person;
  beforeAll(async () => {
    t = await startTestStack();
    admin = await mintPerson(t, { roles: ['admin'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** A shopper holding a freshly created and claimed platform coupon. */
  async function claimed(input: Record<string, unknown>, shopper?: Account) {
    const buyer = shopper ?? (await registerUser(t.client));
    const coupon = await platformCoupon(t, admin, input);
    const r = await buyer.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { couponId: coupon.id });
    expect(r.claimCoupon.userErrors).toEqual([]);
    return { buyer, coupon };
  }

  const redeem = (buyerId: string, codes: string[], orders: { orderId: string; storeId: string; subtotal: number }[], key = uuid()) =>
    promotionsInternal(t, 'redeemCoupons', { key, buyerId, codes, orders });

  it('takes a percentage to the cent, rounding down', async () => {
    const { buyer, coupon } = await claimed({ amountOff: null, percentOff: 15 });
    const orderId = uuid();
    const r = await redeem(buyer.userId, [coupon.code], [{ orderId, storeId: uuid(), subtotal: 3333 }]);
    expect(r).toEqual({ ok: true, applications: [{ orderId, couponId: coupon.id, code: coupon.code, kind: 'PLATFORM', discount: 499 }] });
  });

  it('takes a fixed amount, never more than the subtotal', async () => {
    const a = await claimed({ amountOff: '5.00' });
    const big = await redeem(a.buyer.userId, [a.coupon.code], [{ orderId: uuid(), storeId: uuid(), subtotal: 1999 }]);
    expect(big.applications[0].discount).toBe(500);
    const b = await claimed({ amountOff: '5.00' });
    const small = await redeem(b.buyer.userId, [b.coupon.code], [{ orderId: uuid(), storeId: uuid(), subtotal: 300 }]);
    expect(small.applications[0].discount).toBe(300);
  });

  it('puts a platform coupon on the largest order that reaches its minimum', async () => {
    const { buyer, coupon } = await claimed({ amountOff: '1.00', minOrderAmount: '20.00' });
    const large = uuid();
    const r = await redeem(
      buyer.userId,
      [coupon.code],
      [
        { orderId: uuid(), storeId: uuid(), subtotal: 1500 },
        { orderId: large, storeId: uuid(), subtotal: 2500 },
      ],
    );
    expect(r.applications).toEqual([expect.objectContaining({ orderId: large, discount: 100 })]);
  });

  it('shows a used coupon as USED with its order, and gives it back on release', async () => {
    const { buyer, coupon } = await claimed({ amountOff: '2.00' });
    const orderId = uuid();
    const key = uuid();
    expect((await redeem(buyer.userId, [coupon.code], [{ orderId, storeId: uuid(), subtotal: 1000 }], key)).ok).toBe(true);
    const used = await buyer.client.data<{ viewer: any }>(MY_COUPONS, {});
    expect(used.viewer.coupons).toEqual([expect.objectContaining({ status: 'USED', order: { id: orderId } })]);
    expect(used.viewer.coupons[0].usedAt).toBeTruthy();

    expect(await promotionsInternal(t, 'releaseCoupons', { key })).toEqual({ ok: true });
    expect(await promotionsInternal(t, 'releaseCoupons', { key })).toEqual({ ok: true }); // idempotent
    const back = await buyer.client.data<{ viewer: any }>(MY_COUPONS, { status: 'AVAILABLE' });
    expect(back.viewer.coupons).toEqual([{ status: 'AVAILABLE', usedAt: null, order: null, coupon: { id: coupon.id, code: coupon.code } }]);
    // and it can be used again by a new checkout
    expect((await redeem(buyer.userId, [coupon.code], [{ orderId: uuid(), storeId: uuid(), subtotal: 1000 }])).ok).toBe(true);
  });

  it('releases by order ids too', async () => {
    const { buyer, coupon } = await claimed({ amountOff: '2.00' });
    const orderId = uuid();
    await redeem(buyer.userId, [coupon.code], [{ orderId, storeId: uuid(), subtotal: 1000 }]);
    expect(await promotionsInternal(t, 'releaseCoupons', { orderIds: [orderId] })).toEqual({ ok: true });
    const back = await buyer.client.data<{ viewer: any }>(MY_COUPONS, { status: 'AVAILABLE' });
    expect(back.viewer.coupons).toHaveLength(1);
  });

  it('answers the same key with the first answer and uses nothing more', async () => {
    const { buyer, coupon } = await claimed({ amountOff: '2.00' });
    const key = uuid();
    const orders = [{ orderId: uuid(), storeId: uuid(), subtotal: 1000 }];
    const first = await redeem(buyer.userId, [coupon.code], orders, key);
    const again = await redeem(buyer.userId, [coupon.code], orders, key);
    expect(again).toEqual(first);
    expect(first.ok).toBe(true);
  });

  it('uses one claimed coupon once when two checkouts race for it', async () => {
    const { buyer, coupon } = await claimed({ amountOff: '2.00' });
    const answers = await Promise.all([1, 2].map(() => redeem(buyer.userId, [coupon.code], [{ orderId: uuid(), storeId: uuid(), subtotal: 1000 }])));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.find((a) => !a.ok).error.code).toBe('COUPON_NOT_APPLICABLE');
    const mine = await buyer.client.data<{ viewer: any }>(MY_COUPONS, { status: 'USED' });
    expect(mine.viewer.coupons).toHaveLength(1);
  });

  it('refuses, with the reason and all or nothing, coupons that do not apply', async () => {
    const buyer = await registerUser(t.client);
    const ok = await claimed({ amountOff: '1.00' }, buyer);
    const min = await claimed({ amountOff: '1.00', minOrderAmount: '100.00' }, buyer);
    const order = { orderId: uuid(), storeId: uuid(), subtotal: 5000 };
    const r = await redeem(buyer.userId, [ok.coupon.code, min.coupon.code], [order]);
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('COUPON_NOT_APPLICABLE');
    expect(r.error.message).toContain('minimum');
    // nothing was used
    const available = await buyer.client.data<{ viewer: any }>(MY_COUPONS, { status: 'AVAILABLE' });
    expect(available.viewer.coupons).toHaveLength(2);

    // two platform coupons on one order
    const two = await redeem(buyer.userId, [ok.coupon.code, min.coupon.code], [{ ...order, subtotal: 20000 }]);
    expect(two.error).toMatchObject({ code: 'COUPON_NOT_APPLICABLE' });
    expect(two.error.message).toContain('one platform coupon');

    // not in the wallet
    const stranger = await mintPerson(t);
    expect((await redeem(stranger.userId, [ok.coupon.code], [order])).error.code).toBe('NOT_FOUND');

    // expired
    const soon = await claimed({ amountOff: '1.00', expiresAt: new Date(t.clock.now().getTime() + 60_000).toISOString() }, buyer);
    t.clock.advance(120);
    const late = await redeem(buyer.userId, [soon.coupon.code], [order]);
    expect(late.error.code).toBe('COUPON_NOT_APPLICABLE');
    expect(late.error.message).toContain('expired');
  });

  it('answers malformed input without crashing, and refuses callers without the secret', async () => {
    expect((await promotionsInternal(t, 'redeemCoupons', { key: 'k', buyerId: 'nope', codes: 'X', orders: [] })).ok).toBe(false);
    expect((await promotionsInternal(t, 'releaseCoupons', { orderIds: ['not-a-uuid'] })).ok).toBe(true);
    const url = t.stack.urls.promotions.replace(/\/graphql$/, '/internal/redeemCoupons');
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});
