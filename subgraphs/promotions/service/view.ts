/** Shapes of what the promotions resolvers return, from the rows db/queries.ts reads. */
import type { CouponRow, WalletRow } from '../db/queries.ts';

export interface CouponView {
  id: string;
  code: string;
  kind: 'PLATFORM' | 'SELLER';
  storeId: string | null;
  title: string;
  amountOffCents: number | null;
  percentOff: number | null;
  minOrderCents: number;
  startsAt: Date;
  expiresAt: Date;
  quantity: number | null;
  claimed: number;
}

export type CouponStatus = 'AVAILABLE' | 'USED' | 'EXPIRED';

export interface UserCouponView {
  coupon: CouponView;
  status: CouponStatus;
  claimedAt: Date;
  usedAt: Date | null;
  orderId: string | null;
}

export function toCoupon(r: CouponRow): CouponView {
  return {
    id: r.id,
    code: r.code,
    kind: r.kind,
    storeId: r.storeId,
    title: r.title,
    amountOffCents: r.amountOff,
    percentOff: r.percentOff,
    minOrderCents: r.minOrderAmount,
    startsAt: r.startsAt,
    expiresAt: r.expiresAt,
    quantity: r.quantity,
    claimed: r.claimed,
  };
}

/** USED once an order used it; EXPIRED when unused past its expiry; AVAILABLE otherwise. */
export function statusOf(usedAt: Date | null, expiresAt: Date, now: Date): CouponStatus {
  if (usedAt) return 'USED';
  return expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'AVAILABLE';
}

export function toUserCoupon(r: WalletRow, now: Date): UserCouponView {
  const coupon = toCoupon(r.coupon);
  const { usedAt, claimedAt, orderId } = r.entry;
  return { coupon, status: statusOf(usedAt, coupon.expiresAt, now), claimedAt, usedAt, orderId };
}
