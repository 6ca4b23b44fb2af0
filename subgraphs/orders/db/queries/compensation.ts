/** The compensation outbox: give-backs owed by transitions (stock, coupons, refunds). */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../../platform/db.ts';
import { ts } from './rows.ts';

export interface CompensationRow {
  id: string;
  reservationKey: string;
  paymentId: string | null;
  total: number;
  releaseStockDue: boolean;
  releaseCouponsDue: boolean;
  refundDue: boolean;
}

/** Leases a batch of orders that owe a give-back (stock, coupons, refund). */
export async function leaseCompensations(db: Executor, now: Date, leaseS: number, limit: number): Promise<CompensationRow[]> {
  const rows = await queryRows(
    db,
    sql`update orders.orders o set compensation_lease_until = ${ts(now)} + make_interval(secs => ${leaseS})
        from (select id from orders.orders
              where (release_stock_due or release_coupons_due or refund_due)
                and (compensation_lease_until is null or compensation_lease_until < ${ts(now)})
              limit ${limit} for update skip locked) due
        where o.id = due.id
        returning o.id, o.reservation_key, o.payment_id, o.total, o.release_stock_due, o.release_coupons_due, o.refund_due`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    reservationKey: String(r.reservation_key),
    paymentId: (r.payment_id ?? null) as string | null,
    total: Number(r.total),
    releaseStockDue: Boolean(r.release_stock_due),
    releaseCouponsDue: Boolean(r.release_coupons_due),
    refundDue: Boolean(r.refund_due),
  }));
}

export async function compensationDone(
  db: Executor,
  id: string,
  done: { stock: boolean; coupons: boolean; refund: boolean },
): Promise<void> {
  await db.execute(
    sql`update orders.orders set
          release_stock_due = release_stock_due and not ${done.stock},
          release_coupons_due = release_coupons_due and not ${done.coupons},
          refund_due = refund_due and not ${done.refund},
          compensation_lease_until = null
        where id = ${id}::uuid`,
  );
}

export async function recordRefund(db: Executor, r: { orderId: string; paymentId: string; amount: number }): Promise<{ providerRef: string | null }> {
  await db.execute(
    sql`insert into orders.refunds (order_id, payment_id, amount) values (${r.orderId}::uuid, ${r.paymentId}::uuid, ${r.amount})
        on conflict (order_id) do nothing`,
  );
  const [row] = await queryRows(db, sql`select provider_ref from orders.refunds where order_id = ${r.orderId}::uuid`);
  return { providerRef: (row?.provider_ref ?? null) as string | null };
}

export async function refundMade(db: Executor, orderId: string, providerRef: string): Promise<void> {
  await db.execute(sql`update orders.refunds set provider_ref = ${providerRef} where order_id = ${orderId}::uuid`);
}
