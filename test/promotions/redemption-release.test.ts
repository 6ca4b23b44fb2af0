/**
 * A released redemption key never redeems: releaseCoupons(key) leaves a tombstone, so a
 * redeemCoupons of that key arriving late (held up in the network past the checkout's lease and
 * its release) or racing the release is refused and the coupon stays AVAILABLE.
 * Driven through the promotions subgraph's internal route as the orders subgraph calls it; the
 * wallet is read through the gateway.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, registerUser, type Account, type Person } from '../helpers/accounts.ts';
import { CLAIM_COUPON, MY_COUPONS, platformCoupon, promotionsInternal } from '../helpers/promotions.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const uuid = () => crypto.randomUUID();

describe('a released redemption key (promotions tombstones)', () => {
  let t: TestStack;
  let admin: Person;
  beforeAll(async () => {
    t = await startTestStack();
    admin = await mintPerson(t, { roles: ['admin'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function claimed() {
    const buyer = await registerUser(t.client);
    const coupon = await platformCoupon(t, admin, { amountOff: '2.00' });
    const r = await buyer.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { couponId: coupon.id });
    expect(r.claimCoupon.userErrors).toEqual([]);
    return { buyer, coupon };
  }

  const redeem = (buyerId: string, code: string, key: string) =>
    promotionsInternal(t, 'redeemCoupons', { key, buyerId, codes: [code], orders: [{ orderId: uuid(), storeId: uuid(), subtotal: 1000 }] });

  const wallet = async (buyer: Account) => (await buyer.client.data<{ viewer: any }>(MY_COUPONS, {})).viewer.coupons;

  it('refuses a redemption that arrives after its key was released, and the coupon stays available', async () => {
    const { buyer, coupon } = await claimed();
    const key = `checkout:${buyer.userId}:${uuid()}:1`;
    expect(await promotionsInternal(t, 'releaseCoupons', { key })).toEqual({ ok: true });
    expect(await promotionsInternal(t, 'releaseCoupons', { key })).toEqual({ ok: true }); // still idempotent

    const late = await redeem(buyer.userId, coupon.code, key);
    expect(late).toMatchObject({ ok: false, error: { code: 'KEY_RELEASED' } });
    expect(late.error.message).not.toMatch(/insert|select|promotions\./i);
    expect(await wallet(buyer)).toEqual([{ status: 'AVAILABLE', usedAt: null, order: null, coupon: { id: coupon.id, code: coupon.code } }]);

    // the coupon is the buyer's to use under a new key
    expect((await redeem(buyer.userId, coupon.code, uuid())).ok).toBe(true);
    expect(await wallet(buyer)).toEqual([expect.objectContaining({ status: 'USED' })]);
  });

  it('refuses the same key again after a redemption was released, instead of answering its old success', async () => {
    const { buyer, coupon } = await claimed();
    const key = uuid();
    expect((await redeem(buyer.userId, coupon.code, key)).ok).toBe(true);
    expect(await promotionsInternal(t, 'releaseCoupons', { key })).toEqual({ ok: true });

    expect(await redeem(buyer.userId, coupon.code, key)).toMatchObject({ ok: false, error: { code: 'KEY_RELEASED' } });
    expect(await wallet(buyer)).toEqual([expect.objectContaining({ status: 'AVAILABLE', usedAt: null, order: null })]);
  });

  describe.skipIf(!onPostgres)('racing a release (PostgreSQL only: needs concurrent connections)', () => {
    it('always leaves the coupon available and unused when a redemption and the release of its key race', async () => {
      for (let round = 0; round < 20; round++) {
        const { buyer, coupon } = await claimed();
        const key = uuid();
        const [redeemed, released] = await Promise.all([redeem(buyer.userId, coupon.code, key), promotionsInternal(t, 'releaseCoupons', { key })]);
        expect(released).toEqual({ ok: true });
        // either answer is fine for the redeem (it ran first, or found the key released) ...
        if (!redeemed.ok) expect(redeemed.error.code).toBe('KEY_RELEASED');
        // ... but the release wins: the coupon is back, and the key never redeems again
        expect(await wallet(buyer), `round ${round}`).toEqual([
          { status: 'AVAILABLE', usedAt: null, order: null, coupon: { id: coupon.id, code: coupon.code } },
        ]);
        expect(await redeem(buyer.userId, coupon.code, key)).toMatchObject({ ok: false, error: { code: 'KEY_RELEASED' } });
      }
    });
  });
});
