/** Payments: claims, settlement, stale attempts, voided charges. */
import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { orders, payments } from '../schema.ts';

type PaymentRecord = typeof payments.$inferSelect;

/** A payment attempt as the services see it: its row, with the state typed. */
export type PaymentRow = Omit<PaymentRecord, 'state' | 'voidDue' | 'voidRef' | 'voidLeaseUntil'> & {
  /** VOIDED: charged, but its orders were already paid by another payment, so the charge is refunded. */
  state: 'PENDING' | 'REQUIRES_ACTION' | 'SUCCEEDED' | 'DECLINED' | 'VOIDED';
};

/** States in which a payment is still open: its attempt runs (PENDING) or its buyer must act (REQUIRES_ACTION). */
const OPEN = ['PENDING', 'REQUIRES_ACTION'];

const toPayment = (r: PaymentRecord): PaymentRow => ({ ...r, state: r.state as PaymentRow['state'] });

/** Claims (buyer, key) with a lease; null when the key is taken already. */
export async function claimPayment(
  db: Executor,
  c: { buyerId: string; key: string; method: string; orderIds: string[]; amount: number; leaseUntil: Date; savedMethodId?: string | null },
): Promise<PaymentRow | null> {
  const [r] = await db
    .insert(payments)
    .values({ ...c, state: 'PENDING' })
    .onConflictDoNothing({ target: [payments.buyerId, payments.key] })
    .returning();
  return r ? toPayment(r) : null;
}

/**
 * Claims orders for a payment attempt: those of `buyerId` still awaiting
 * payment and claimed by no other attempt. Returns the ids it claimed; the
 * caller rolls back unless it got them all.
 *
 * The condition is `paying_payment_id is null` alone, on purpose: a subquery
 * on the holder's payment would read with this statement's snapshot, which
 * cannot see a claim committed while we waited for the row lock. Claims are
 * cleared in the same transaction that settles or frees their payment.
 */
export async function claimOrdersForPayment(tx: Executor, paymentId: string, buyerId: string, orderIds: string[]): Promise<string[]> {
  // rows locked in id order first, so that two attempts on overlapping orders cannot deadlock
  const locked = tx.select({ id: orders.id }).from(orders).where(inArray(orders.id, orderIds)).orderBy(orders.id).for('update');
  const rows = await tx
    .update(orders)
    .set({ payingPaymentId: paymentId })
    .where(and(inArray(orders.id, locked), eq(orders.buyerId, buyerId), eq(orders.status, 'PAYMENT_REQUIRED'), isNull(orders.payingPaymentId)))
    .returning({ id: orders.id });
  return rows.map((r) => r.id);
}

/** Gives up the orders' claim held by this payment attempt. */
export async function releaseOrderClaims(tx: Executor, paymentId: string, orderIds: string[]): Promise<void> {
  if (!orderIds.length) return;
  await tx
    .update(orders)
    .set({ payingPaymentId: null })
    .where(and(inArray(orders.id, orderIds), eq(orders.payingPaymentId, paymentId)));
}

/** The payment attempts holding a claim on any of these orders. */
export async function paymentClaimsOn(db: Executor, orderIds: string[]): Promise<PaymentRow[]> {
  if (!orderIds.length) return [];
  const holders = db
    .select({ id: orders.payingPaymentId })
    .from(orders)
    .where(and(inArray(orders.id, orderIds), isNotNull(orders.payingPaymentId)));
  return (await db.select().from(payments).where(inArray(payments.id, holders))).map(toPayment);
}

export async function getPayment(db: Executor, buyerId: string, key: string): Promise<PaymentRow | null> {
  const [r] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.buyerId, buyerId), eq(payments.key, key)));
  return r ? toPayment(r) : null;
}

export async function paymentById(db: Executor, id: string): Promise<PaymentRow | null> {
  const [r] = await db.select().from(payments).where(eq(payments.id, id));
  return r ? toPayment(r) : null;
}

export async function paymentsByIds(db: Executor, ids: string[]): Promise<PaymentRow[]> {
  if (!ids.length) return [];
  return (await db.select().from(payments).where(inArray(payments.id, ids))).map(toPayment);
}

/** Frees a key whose attempt charged nothing (its row goes; the same key may be used again). */
export async function deletePendingPayment(db: Executor, id: string): Promise<boolean> {
  const rows = await db
    .delete(payments)
    .where(and(eq(payments.id, id), inArray(payments.state, OPEN)))
    .returning({ id: payments.id });
  return rows.length === 1;
}

/** PENDING or REQUIRES_ACTION → SUCCEEDED or DECLINED, only from those: the first to settle a payment wins. */
export async function settlePayment(
  db: Executor,
  id: string,
  s: { state: 'SUCCEEDED' | 'DECLINED'; providerRef?: string | null; declineMessage?: string | null },
): Promise<PaymentRow | null> {
  const [r] = await db
    .update(payments)
    .set({
      state: s.state,
      ...(s.providerRef ? { providerRef: s.providerRef } : {}),
      declineMessage: s.declineMessage ?? null,
      nextActionUrl: null,
      leaseUntil: null,
    })
    .where(and(eq(payments.id, id), inArray(payments.state, OPEN)))
    .returning();
  return r ? toPayment(r) : null;
}

/** PENDING → REQUIRES_ACTION: the buyer must act until `until`; the claims stay. */
export async function awaitAction(db: Executor, id: string, a: { providerRef: string; nextActionUrl: string | null; until: Date }): Promise<PaymentRow | null> {
  const [r] = await db
    .update(payments)
    .set({ state: 'REQUIRES_ACTION', providerRef: a.providerRef, nextActionUrl: a.nextActionUrl, leaseUntil: a.until })
    .where(and(eq(payments.id, id), eq(payments.state, 'PENDING')))
    .returning();
  return r ? toPayment(r) : null;
}

/** Owes back `amount` of a settled charge (all of it: the payment becomes VOIDED). */
export async function voidPayment(tx: Executor, id: string, amount: number, whole: boolean): Promise<void> {
  await tx
    .update(payments)
    .set({ voidAmount: amount, voidDue: true, ...(whole ? { state: 'VOIDED' } : {}) })
    .where(eq(payments.id, id));
}

/** A lease that has passed (or was never taken). */
const leaseOver = (now: Date) => or(isNull(payments.leaseUntil), lt(payments.leaseUntil, now));

/** Takes over an open payment whose lease (or action deadline) has passed (one taker wins); null when it is not stale. */
export async function leaseStalePayment(db: Executor, id: string, now: Date, leaseS: number): Promise<PaymentRow | null> {
  const [r] = await db
    .update(payments)
    .set({ leaseUntil: new Date(now.getTime() + leaseS * 1000) })
    .where(and(eq(payments.id, id), inArray(payments.state, OPEN), leaseOver(now)))
    .returning();
  return r ? toPayment(r) : null;
}

/** Open payments whose lease has passed (their attempt died, or their buyer never acted). */
export async function stalePayments(db: Executor, now: Date, limit: number): Promise<PaymentRow[]> {
  const rows = await db
    .select()
    .from(payments)
    .where(and(inArray(payments.state, OPEN), leaseOver(now)))
    .orderBy(sql`${payments.leaseUntil} nulls first`) // the builder's asc() has no NULLS FIRST
    .limit(limit);
  return rows.map(toPayment);
}

export interface VoidRow {
  id: string;
  providerRef: string;
  voidAmount: number;
}

/** Leases payments that owe a refund of (part of) their charge. */
export async function leaseVoids(db: Executor, now: Date, leaseS: number, limit: number): Promise<VoidRow[]> {
  const due = db
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.voidDue, true), or(isNull(payments.voidLeaseUntil), lt(payments.voidLeaseUntil, now))))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(payments)
    .set({ voidLeaseUntil: new Date(now.getTime() + leaseS * 1000) })
    .where(inArray(payments.id, due))
    .returning({ id: payments.id, providerRef: payments.providerRef, voidAmount: payments.voidAmount });
  return rows.map((r) => ({ ...r, providerRef: r.providerRef ?? '' }));
}

/** A void's refund is made (`ref`), or failed (null: retried on a later sweep). */
export async function voidDone(db: Executor, id: string, ref: string | null): Promise<void> {
  await db
    .update(payments)
    .set(ref === null ? { voidLeaseUntil: null } : { voidDue: false, voidRef: ref, voidLeaseUntil: null })
    .where(eq(payments.id, id));
}

/** A paid order that was cancelled before the payment landed: owe its refund. */
export async function markRefundOwed(tx: Executor, orderId: string, paymentId: string): Promise<void> {
  await tx
    .update(orders)
    .set({ paymentId, refundDue: true })
    .where(and(eq(orders.id, orderId), isNull(orders.paymentId)));
}
