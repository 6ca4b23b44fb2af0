/**
 * Refunds: several per order. A refund is owed by a row without `provider_ref`,
 * written in the transaction that decided it (with `orders.refunded_amount`);
 * the refunds job pays it with the provider and records the provider's reference.
 * The buyer's Transactions read them through `buyerRefunds`.
 */
import { and, asc, count, eq, gt, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { orders, payments, refunds } from '../schema.ts';

export type RefundRow = typeof refunds.$inferSelect;

/** The refunds of orders, oldest first: the one read of refund rows (Order.refunds, and transactions lists). */
export async function refundsByOrderIds(db: Executor, orderIds: string[]): Promise<RefundRow[]> {
  if (!orderIds.length) return [];
  return db.select().from(refunds).where(inArray(refunds.orderId, orderIds)).orderBy(asc(refunds.createdAt), asc(refunds.key));
}

/** The provider key of the order's next refund (call under the order's row lock). */
export async function nextRefundKey(tx: Executor, orderId: string): Promise<string> {
  const [r] = await tx.select({ n: count() }).from(refunds).where(eq(refunds.orderId, orderId));
  return `refund:${orderId}:${(r?.n ?? 0) + 1}`;
}

/** Records a refund owed (its key makes a repeated insert a no-op); true when it is new. */
export async function insertRefund(
  tx: Executor,
  r: { orderId: string; paymentId: string; amount: number; reason: string; key: string; at: Date },
): Promise<boolean> {
  const { at, ...row } = r;
  const inserted = await tx
    .insert(refunds)
    .values({ ...row, createdAt: at })
    .onConflictDoNothing({ target: refunds.key })
    .returning({ id: refunds.id });
  return inserted.length > 0;
}

/**
 * A cancelled paid order's refund of its whole total, owed once (key `refund:<order id>`,
 * the key refunds of cancellations always had) and added to `refunded_amount`.
 */
export async function oweCancellationRefund(db: Executor, c: { orderId: string; paymentId: string; total: number; at: Date }): Promise<void> {
  await db.transaction(async (tx) => {
    const isNew = await insertRefund(tx, {
      orderId: c.orderId,
      paymentId: c.paymentId,
      amount: c.total,
      reason: 'Order cancelled',
      key: `refund:${c.orderId}`,
      at: c.at,
    });
    if (isNew) {
      await tx
        .update(orders)
        .set({ refundedAmount: sql`${orders.refundedAmount} + ${c.total}` })
        .where(eq(orders.id, c.orderId));
    }
  });
}

export interface OwedRefund {
  id: string;
  orderId: string;
  amount: number;
  key: string;
  chargeReference: string | null;
}

/** Leases owed refunds (SKIP LOCKED: instances share them) with their charge's provider reference. */
export async function leaseOwedRefunds(db: Executor, now: Date, leaseS: number, limit: number): Promise<OwedRefund[]> {
  const due = db
    .select({ id: refunds.id })
    .from(refunds)
    .where(and(isNull(refunds.providerRef), gt(refunds.amount, 0), or(isNull(refunds.leaseUntil), lt(refunds.leaseUntil, now))))
    .orderBy(refunds.createdAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  const leased = await db
    .update(refunds)
    .set({ leaseUntil: new Date(now.getTime() + leaseS * 1000) })
    .where(inArray(refunds.id, due))
    .returning({ id: refunds.id, orderId: refunds.orderId, paymentId: refunds.paymentId, amount: refunds.amount, key: refunds.key });
  if (!leased.length) return [];
  const refs = await db
    .select({ id: payments.id, providerRef: payments.providerRef })
    .from(payments)
    .where(
      inArray(
        payments.id,
        leased.map((l) => l.paymentId),
      ),
    );
  const byId = new Map(refs.map((p) => [p.id, p.providerRef]));
  return leased.map((l) => ({ id: l.id, orderId: l.orderId, amount: l.amount, key: l.key, chargeReference: byId.get(l.paymentId) ?? null }));
}

/** The provider confirmed the refund: it is no longer owed. */
export async function refundPaid(db: Executor, id: string, providerRef: string): Promise<void> {
  await db.update(refunds).set({ providerRef, leaseUntil: null }).where(eq(refunds.id, id));
}

/** The provider call failed: the lease ends, the next pass tries again. */
export async function refundRetryLater(db: Executor, id: string): Promise<void> {
  await db.update(refunds).set({ leaseUntil: null }).where(eq(refunds.id, id));
}

/**
 * The buyer's refunds as transaction rows (kind, id, status, amount, method,
 * order_ids, created_at), for `transactionPage`'s union. Raw SQL: a union of
 * differently shaped tables with computed columns, which the builder cannot say.
 */
export function buyerRefunds(buyerId: string): SQL {
  return sql`
    select 'REFUND' as kind, 'refund:' || r.id::text as id,
           case when r.provider_ref is null and r.amount > 0 then 'PENDING' else 'SUCCEEDED' end as status,
           r.amount, p.method, array[r.order_id] as order_ids, r.created_at
      from orders.refunds r join orders.payments p on p.id = r.payment_id
     where p.buyer_id = ${buyerId}
    union all
    select 'REFUND', 'void:' || p.id::text, case when p.void_ref is null then 'PENDING' else 'SUCCEEDED' end,
           p.void_amount, p.method, p.order_ids, p.created_at
      from orders.payments p
     where p.buyer_id = ${buyerId} and p.void_amount > 0`;
}
