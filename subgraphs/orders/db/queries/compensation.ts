/** The compensation outbox: give-backs owed by transitions (stock, coupons, refunds). */
import { and, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { orders } from '../schema.ts';

export interface CompensationRow {
  id: string;
  reservationKey: string;
  paymentId: string | null;
  total: number;
  releaseStockDue: boolean;
  releaseCouponsDue: boolean;
  refundDue: boolean;
}

/** Leases a batch of orders that owe a give-back (stock, coupons, refund); SKIP LOCKED, so instances share the work. */
export async function leaseCompensations(db: Executor, now: Date, leaseS: number, limit: number): Promise<CompensationRow[]> {
  const due = db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        or(eq(orders.releaseStockDue, true), eq(orders.releaseCouponsDue, true), eq(orders.refundDue, true)),
        or(isNull(orders.compensationLeaseUntil), lt(orders.compensationLeaseUntil, now)),
      ),
    )
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(orders)
    .set({ compensationLeaseUntil: new Date(now.getTime() + leaseS * 1000) })
    .where(inArray(orders.id, due))
    .returning({
      id: orders.id,
      reservationKey: orders.reservationKey,
      paymentId: orders.paymentId,
      total: orders.total,
      releaseStockDue: orders.releaseStockDue,
      releaseCouponsDue: orders.releaseCouponsDue,
      refundDue: orders.refundDue,
    });
}

/** The give-backs that succeeded are no longer owed; the lease ends (what failed is leased again later). */
export async function compensationDone(db: Executor, id: string, done: { stock: boolean; coupons: boolean; refund: boolean }): Promise<void> {
  await db
    .update(orders)
    .set({
      ...(done.stock ? { releaseStockDue: false } : {}),
      ...(done.coupons ? { releaseCouponsDue: false } : {}),
      ...(done.refund ? { refundDue: false } : {}),
      compensationLeaseUntil: null,
    })
    .where(eq(orders.id, id));
}
