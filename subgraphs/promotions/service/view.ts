/** Shapes of what the promotions resolvers return. */
import type { CouponRow, UserCouponRow } from '../db/queries.ts';

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

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function toCoupon(r: CouponRow): CouponView {
  return {
    id: r.id,
    code: r.code,
    kind: r.kind,
    storeId: r.store_id,
    title: r.title,
    amountOffCents: num(r.amount_off),
    percentOff: num(r.percent_off),
    minOrderCents: Number(r.min_order_amount),
    startsAt: new Date(r.starts_at),
    expiresAt: new Date(r.expires_at),
    quantity: num(r.quantity),
    claimed: Number(r.claimed),
  };
}

/** USED once an order used it; EXPIRED when unused past its expiry; AVAILABLE otherwise. */
export function statusOf(usedAt: Date | null, expiresAt: Date, now: Date): CouponStatus {
  if (usedAt) return 'USED';
  return expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'AVAILABLE';
}

export function toUserCoupon(r: UserCouponRow, now: Date): UserCouponView {
  const coupon = toCoupon(r);
  const usedAt = r.used_at ? new Date(r.used_at) : null;
  return { coupon, status: statusOf(usedAt, coupon.expiresAt, now), claimedAt: new Date(r.claimed_at), usedAt, orderId: r.order_id };
}
