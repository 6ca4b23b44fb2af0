/** Payments: claims, settlement, stale attempts, voided charges. */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../../platform/db.ts';
import { type Raw, toDate, toDateOrNull, toArray, ts, uuidList, uuidArray } from './rows.ts';

export interface PaymentRow {
  id: string;
  buyerId: string;
  key: string;
  /** VOIDED: charged, but its orders were already paid by another payment, so the charge is refunded. */
  state: 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'VOIDED';
  method: string;
  amount: number;
  orderIds: string[];
  providerRef: string | null;
  declineMessage: string | null;
  leaseUntil: Date | null;
  voidAmount: number;
  createdAt: Date;
}

function mapPayment(r: Raw): PaymentRow {
  return {
    id: String(r.id),
    buyerId: String(r.buyer_id),
    key: String(r.key),
    state: r.state as PaymentRow['state'],
    method: String(r.method),
    amount: Number(r.amount),
    orderIds: toArray(r.order_ids),
    providerRef: (r.provider_ref ?? null) as string | null,
    declineMessage: (r.decline_message ?? null) as string | null,
    leaseUntil: toDateOrNull(r.lease_until),
    voidAmount: Number(r.void_amount ?? 0),
    createdAt: toDate(r.created_at),
  };
}

/** Claims (buyer, key) with a lease; null when the key is taken already. */
export async function claimPayment(
  db: Executor,
  c: { buyerId: string; key: string; method: string; orderIds: string[]; amount: number; leaseUntil: Date },
): Promise<PaymentRow | null> {
  const [r] = await queryRows(
    db,
    sql`insert into orders.payments (buyer_id, key, state, method, order_ids, amount, lease_until)
        values (${c.buyerId}::uuid, ${c.key}, 'PENDING', ${c.method}, ${uuidArray(c.orderIds)}, ${c.amount}, ${ts(c.leaseUntil)})
        on conflict (buyer_id, key) do nothing returning *`,
  );
  return r ? mapPayment(r) : null;
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
  const rows = await queryRows(
    tx,
    // rows locked in id order first, so that two attempts on overlapping orders cannot deadlock
    sql`update orders.orders set paying_payment_id = ${paymentId}::uuid
        where id in (select id from orders.orders where id in (${uuidList(orderIds)}) order by id for update)
          and buyer_id = ${buyerId}::uuid and status = 'PAYMENT_REQUIRED' and paying_payment_id is null
        returning id`,
  );
  return rows.map((r) => String(r.id));
}

/** Gives up the orders' claim held by this payment attempt. */
export async function releaseOrderClaims(tx: Executor, paymentId: string, orderIds: string[]): Promise<void> {
  if (!orderIds.length) return;
  await tx.execute(
    sql`update orders.orders set paying_payment_id = null where id in (${uuidList(orderIds)}) and paying_payment_id = ${paymentId}::uuid`,
  );
}

/** The payment attempts holding a claim on any of these orders. */
export async function paymentClaimsOn(db: Executor, orderIds: string[]): Promise<PaymentRow[]> {
  if (!orderIds.length) return [];
  const rows = await queryRows(
    db,
    sql`select p.* from orders.payments p where p.id in (
          select paying_payment_id from orders.orders where id in (${uuidList(orderIds)}) and paying_payment_id is not null)`,
  );
  return rows.map(mapPayment);
}

export async function getPayment(db: Executor, buyerId: string, key: string): Promise<PaymentRow | null> {
  const [r] = await queryRows(db, sql`select * from orders.payments where buyer_id = ${buyerId}::uuid and key = ${key}`);
  return r ? mapPayment(r) : null;
}

export async function paymentsByIds(db: Executor, ids: string[]): Promise<PaymentRow[]> {
  if (!ids.length) return [];
  return (await queryRows(db, sql`select * from orders.payments where id in (${uuidList(ids)})`)).map(mapPayment);
}

/** Frees a key whose attempt charged nothing (its row goes; the same key may be used again). */
export async function deletePendingPayment(db: Executor, id: string): Promise<boolean> {
  const rows = await queryRows(db, sql`delete from orders.payments where id = ${id}::uuid and state = 'PENDING' returning id`);
  return rows.length === 1;
}

/** PENDING → SUCCEEDED or DECLINED, only from PENDING: the first to settle a payment wins. */
export async function settlePayment(
  db: Executor,
  id: string,
  s: { state: 'SUCCEEDED' | 'DECLINED'; providerRef?: string | null; declineMessage?: string | null },
): Promise<PaymentRow | null> {
  const [r] = await queryRows(
    db,
    sql`update orders.payments set state = ${s.state}, provider_ref = ${s.providerRef ?? null}, decline_message = ${s.declineMessage ?? null},
          lease_until = null
        where id = ${id}::uuid and state = 'PENDING' returning *`,
  );
  return r ? mapPayment(r) : null;
}

/** Owes back `amount` of a settled charge (all of it: the payment becomes VOIDED). */
export async function voidPayment(tx: Executor, id: string, amount: number, whole: boolean): Promise<void> {
  await tx.execute(
    sql`update orders.payments set void_amount = ${amount}, void_due = true${whole ? sql`, state = 'VOIDED'` : sql``}
        where id = ${id}::uuid`,
  );
}

/** Takes over a PENDING payment whose lease has passed (one taker wins); null when it is not stale. */
export async function leaseStalePayment(db: Executor, id: string, now: Date, leaseS: number): Promise<PaymentRow | null> {
  const [r] = await queryRows(
    db,
    sql`update orders.payments set lease_until = ${ts(now)} + make_interval(secs => ${leaseS})
        where id = ${id}::uuid and state = 'PENDING' and (lease_until is null or lease_until < ${ts(now)}) returning *`,
  );
  return r ? mapPayment(r) : null;
}

/** PENDING payments whose lease has passed (their attempt died). */
export async function stalePayments(db: Executor, now: Date, limit: number): Promise<PaymentRow[]> {
  const rows = await queryRows(
    db,
    sql`select * from orders.payments where state = 'PENDING' and (lease_until is null or lease_until < ${ts(now)})
        order by lease_until nulls first limit ${limit}`,
  );
  return rows.map(mapPayment);
}

export interface VoidRow {
  id: string;
  providerRef: string;
  voidAmount: number;
}

/** Leases payments that owe a refund of (part of) their charge. */
export async function leaseVoids(db: Executor, now: Date, leaseS: number, limit: number): Promise<VoidRow[]> {
  const rows = await queryRows(
    db,
    sql`update orders.payments p set void_lease_until = ${ts(now)} + make_interval(secs => ${leaseS})
        from (select id from orders.payments
              where void_due and (void_lease_until is null or void_lease_until < ${ts(now)})
              limit ${limit} for update skip locked) due
        where p.id = due.id
        returning p.id, p.provider_ref, p.void_amount`,
  );
  return rows.map((r) => ({ id: String(r.id), providerRef: String(r.provider_ref ?? ''), voidAmount: Number(r.void_amount) }));
}

/** A void's refund is made (`ref`), or failed (null: retried on a later sweep). */
export async function voidDone(db: Executor, id: string, ref: string | null): Promise<void> {
  await db.execute(
    ref === null
      ? sql`update orders.payments set void_lease_until = null where id = ${id}::uuid`
      : sql`update orders.payments set void_due = false, void_ref = ${ref}, void_lease_until = null where id = ${id}::uuid`,
  );
}

export async function markRefundOwed(tx: Executor, orderId: string, paymentId: string): Promise<void> {
  await tx.execute(
    sql`update orders.orders set payment_id = ${paymentId}::uuid, refund_due = true where id = ${orderId}::uuid and payment_id is null`,
  );
}
