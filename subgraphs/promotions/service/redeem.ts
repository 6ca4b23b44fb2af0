/**
 * Coupon redemption for the orders subgraph's checkout (internal operations
 * redeemCoupons / releaseCoupons, docs/internal-api.md): all or nothing,
 * idempotent by key, each wallet entry used at most once whatever the concurrency.
 */
import { z } from 'zod';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import { toCoupon, type CouponView } from './view.ts';

const id = z.string().refine(isId);

/** What the orders subgraph sends (docs/internal-api.md); anything else is refused as malformed. */
const RedeemInputSchema = z.object({
  key: z.string().min(1).max(200),
  buyerId: id,
  codes: z.array(z.string().max(64)).max(20),
  orders: z.array(z.object({ orderId: id, storeId: id, subtotal: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) })).max(100),
});
export type RedeemInput = z.infer<typeof RedeemInputSchema>;

const ReleaseInputSchema = z.object({ key: z.string().min(1).nullish(), orderIds: z.array(z.unknown()).nullish() });

export interface Application {
  orderId: string;
  couponId: string;
  code: string;
  kind: 'PLATFORM' | 'SELLER';
  discount: number;
}

export interface InternalError {
  code: string;
  message: string;
  field?: string;
}

export type RedeemResult = { ok: true; applications: Application[] } | { ok: false; error: InternalError };

class RedeemFailure extends Error {
  constructor(readonly error: InternalError) {
    super(error.message);
  }
}

const KEY_RELEASED: InternalError = {
  code: 'KEY_RELEASED',
  message: 'This checkout attempt was given up (its coupons were released); nothing was redeemed.',
};

const notApplicable = (code: string, reason: string): never => {
  throw new RedeemFailure({ code: 'COUPON_NOT_APPLICABLE', message: `Coupon ${code}: ${reason}`, field: 'codes' });
};

/** percent: floor(subtotal * percent / 100); fixed: the amount; never more than what is left of the subtotal. */
export function discountFor(coupon: Pick<CouponView, 'amountOffCents' | 'percentOff'>, subtotal: number, alreadyOff = 0): number {
  const raw = coupon.percentOff !== null ? Math.floor((subtotal * coupon.percentOff) / 100) : (coupon.amountOffCents ?? 0);
  return Math.max(0, Math.min(raw, subtotal - alreadyOff));
}

export async function redeemCoupons(deps: SubgraphDeps, raw: unknown): Promise<RedeemResult> {
  const parsed = RedeemInputSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: { code: 'INVALID_INPUT', message: 'Malformed redeemCoupons input.' } };
  const input = parsed.data;
  const now = deps.clock.now();
  try {
    return await deps.db.drizzle.transaction(async (tx) => {
      // the key's row: inserted here, or there already (an earlier redeem, or a release's tombstone);
      // a releaseCoupons of this key still in its transaction makes this insert wait for it
      if (!(await q.startRedemption(tx, input.key, input.buyerId))) {
        const earlier = await q.redemptionResult(tx, input.key);
        if (earlier.released) throw new RedeemFailure(KEY_RELEASED);
        return (earlier.result as RedeemResult | null) ?? { ok: true, applications: [] };
      }
      const codes = [...new Map(input.codes.map((c) => [c.trim().toUpperCase(), c.trim()])).values()];
      const entries = codes.length ? await q.lockWalletByCodes(tx, input.buyerId, codes) : [];
      const byCode = new Map(entries.map((e) => [e.coupon.code.toUpperCase(), e]));
      const chosen = codes.map((code) => {
        const e = byCode.get(code.toUpperCase());
        if (!e) {
          throw new RedeemFailure({ code: 'NOT_FOUND', message: `Coupon ${code} is not in your wallet.`, field: 'codes' });
        }
        const c = toCoupon(e.coupon);
        if (e.entry.usedAt) notApplicable(c.code, 'it has already been used.');
        if (c.startsAt.getTime() > now.getTime()) notApplicable(c.code, 'it cannot be used yet.');
        if (c.expiresAt.getTime() <= now.getTime()) notApplicable(c.code, 'it has expired.');
        return { entry: e, coupon: c };
      });

      // SELLER coupons first, on their store's order; then PLATFORM coupons on the largest eligible orders.
      const sellerOff = new Map<string, number>();
      const hasSeller = new Set<string>();
      const hasPlatform = new Set<string>();
      const applications: Application[] = [];
      const apply = (entryId: string, order: RedeemInput['orders'][number], c: CouponView) => {
        const discount = discountFor(c, order.subtotal, sellerOff.get(order.orderId) ?? 0);
        sellerOff.set(order.orderId, (sellerOff.get(order.orderId) ?? 0) + discount);
        applications.push({ orderId: order.orderId, couponId: c.id, code: c.code, kind: c.kind, discount });
        return entryId;
      };
      const uses: { entryId: string; orderId: string }[] = [];
      for (const { entry, coupon: c } of chosen.filter((x) => x.coupon.kind === 'SELLER')) {
        const order = input.orders.find((o) => o.storeId === c.storeId);
        if (!order) notApplicable(c.code, 'it can only be used on an order from its own store.');
        if (hasSeller.has(order!.orderId)) notApplicable(c.code, 'only one store coupon can be used per order.');
        if (order!.subtotal < c.minOrderCents) notApplicable(c.code, 'the order does not reach its minimum amount.');
        hasSeller.add(order!.orderId);
        uses.push({ entryId: apply(entry.entry.id, order!, c), orderId: order!.orderId });
      }
      const platform = chosen.filter((x) => x.coupon.kind === 'PLATFORM').sort((a, b) => b.coupon.minOrderCents - a.coupon.minOrderCents);
      const bySize = [...input.orders].sort((a, b) => b.subtotal - a.subtotal);
      for (const { entry, coupon: c } of platform) {
        const order = bySize.find((o) => !hasPlatform.has(o.orderId) && o.subtotal >= c.minOrderCents);
        if (!order) {
          const anyFree = bySize.some((o) => !hasPlatform.has(o.orderId));
          notApplicable(c.code, anyFree ? 'no order reaches its minimum amount.' : 'only one platform coupon can be used per order.');
        }
        hasPlatform.add(order!.orderId);
        uses.push({ entryId: apply(entry.entry.id, order!, c), orderId: order!.orderId });
      }

      for (const u of uses) {
        // conditional update: of two checkouts racing for one coupon, exactly one marks it
        if (!(await q.markUsed(tx, u.entryId, u.orderId, input.key, now))) {
          throw new RedeemFailure({ code: 'COUPON_NOT_APPLICABLE', message: 'A coupon has already been used.', field: 'codes' });
        }
      }
      const result: RedeemResult = { ok: true, applications };
      await q.finishRedemption(tx, input.key, result);
      return result;
    });
  } catch (err) {
    if (err instanceof RedeemFailure) return { ok: false, error: err.error };
    throw err;
  }
}

/**
 * Gives back the coupons used under `key` or by `orderIds`. A key is remembered as released (a
 * tombstone row when it never redeemed), in the same transaction, so a redeemCoupons of that key
 * arriving later (or racing this one) is refused with KEY_RELEASED: release wins whichever comes first.
 */
export async function releaseCoupons(deps: SubgraphDeps, input: unknown): Promise<{ ok: true } | { ok: false; error: InternalError }> {
  const parsed = ReleaseInputSchema.safeParse(input ?? {});
  if (!parsed.success) return { ok: false, error: { code: 'INVALID_INPUT', message: 'key must be a string.' } };
  const key = parsed.data.key ?? null;
  const orderIds = (parsed.data.orderIds ?? []).filter(isId);
  const now = deps.clock.now();
  await deps.db.drizzle.transaction(async (tx) => {
    // first the key's row lock (waits for a redeem of this key in flight), then the give-back,
    // whose statement sees what that redeem committed
    if (key) await q.markKeyReleased(tx, key, now);
    await q.releaseUsed(tx, key, orderIds);
  });
  return { ok: true };
}
