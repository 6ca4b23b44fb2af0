/** Checkout: idempotency claims, their durable jobs, and the orders a checkout writes. */
import { and, eq, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../../platform/db.ts';
import { checkoutJobs, checkouts, orderedCartLines as orderedCartLinesTable, orderLines, orders, statusHistory } from '../schema.ts';
import { toOrder, ts, type LineRow, type OrderRow } from './rows.ts';

export interface CheckoutClaim {
  attempt: string;
  state: 'PENDING' | 'DONE';
  orderIds: string[];
  createdAt: Date;
  /** null: a claim from before leases, counted as expired. */
  leaseUntil: Date | null;
}

/** Claims (buyer, key) for `attempt` until `leaseUntil`; true when this call is the first. */
export async function claimCheckout(db: Executor, buyerId: string, key: string, attempt: string, leaseUntil: Date): Promise<boolean> {
  const rows = await db
    .insert(checkouts)
    .values({ buyerId, key, attempt, state: 'PENDING', leaseUntil })
    .onConflictDoNothing()
    .returning({ attempt: checkouts.attempt });
  return rows.length === 1;
}

export async function getCheckout(db: Executor, buyerId: string, key: string): Promise<CheckoutClaim | null> {
  const [r] = await db
    .select({
      attempt: checkouts.attempt,
      state: checkouts.state,
      orderIds: checkouts.orderIds,
      createdAt: checkouts.createdAt,
      leaseUntil: checkouts.leaseUntil,
    })
    .from(checkouts)
    .where(and(eq(checkouts.buyerId, buyerId), eq(checkouts.key, key)));
  return r ? { ...r, state: r.state as CheckoutClaim['state'] } : null;
}

/**
 * Takes over a PENDING claim whose lease has expired: only if it is still held
 * by `oldAttempt` (a conditional UPDATE, so of several takers exactly one wins).
 * In the same transaction the old attempt's ARMED compensations become DUE.
 * Returns those job ids, or null when the claim was not taken over.
 */
export async function takeOverCheckout(
  db: Executor,
  c: { buyerId: string; key: string; oldAttempt: string; newAttempt: string; now: Date; leaseUntil: Date },
): Promise<string[] | null> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(checkouts)
      .set({ attempt: c.newAttempt, leaseUntil: c.leaseUntil })
      .where(and(heldBy(c.buyerId, c.key, c.oldAttempt), or(isNull(checkouts.leaseUntil), lt(checkouts.leaseUntil, c.now))))
      .returning({ key: checkouts.key });
    if (rows.length !== 1) return null;
    return dueJobsOf(tx, [c.oldAttempt], c.now);
  });
}

/** The PENDING claim of (buyer, key), held by `attempt`. */
function heldBy(buyerId: string, key: string, attempt: string): SQL {
  return and(eq(checkouts.buyerId, buyerId), eq(checkouts.key, key), eq(checkouts.attempt, attempt), eq(checkouts.state, 'PENDING'))!;
}

/**
 * Renews the attempt's lease; false when the attempt no longer holds the key
 * (taken over or recovered). Locks the claim row for the rest of `tx`.
 */
export async function renewCheckoutLease(tx: Executor, buyerId: string, key: string, attempt: string, leaseUntil: Date): Promise<boolean> {
  const rows = await tx
    .update(checkouts)
    .set({ leaseUntil })
    .where(heldBy(buyerId, key, attempt))
    .returning({ key: checkouts.key });
  return rows.length === 1;
}

/**
 * A failed attempt: its ARMED compensations become DUE and the key is freed
 * (if the attempt still holds it), in one transaction. Returns the due job ids.
 */
export async function abandonCheckout(db: Executor, buyerId: string, key: string, attempt: string, now: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.delete(checkouts).where(heldBy(buyerId, key, attempt));
    return dueJobsOf(tx, [attempt], now);
  });
}

/**
 * The recovery sweep: claims whose lease expired (their process died or
 * stalled) are deleted, freeing the key, and their attempts' ARMED
 * compensations become DUE; SKIP LOCKED, so several instances share the work.
 * Returns the number of claims recovered.
 */
export async function recoverExpiredCheckouts(db: Executor, now: Date, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    // DELETE … USING a CTE that locks with SKIP LOCKED, over a composite key: raw SQL
    const rows = await queryRows(
      tx,
      sql`with stale as (
            select buyer_id, key, attempt from orders.checkouts
            where state = 'PENDING' and (lease_until is null or lease_until < ${ts(now)})
            limit ${limit} for update skip locked
          )
          delete from orders.checkouts c using stale
          where c.buyer_id = stale.buyer_id and c.key = stale.key and c.attempt = stale.attempt
          returning c.attempt`,
    );
    const attempts = rows.map((r) => String(r.attempt));
    if (attempts.length) await dueJobsOf(tx, attempts, now);
    return attempts.length;
  });
}

async function dueJobsOf(tx: Executor, attempts: string[], now: Date): Promise<string[]> {
  const rows = await tx
    .update(checkoutJobs)
    .set({ state: 'DUE', nextRunAt: now })
    .where(and(inArray(checkoutJobs.attempt, attempts), eq(checkoutJobs.state, 'ARMED')))
    .returning({ id: checkoutJobs.id });
  return rows.map((r) => r.id);
}

/** The claim becomes DONE, only for the attempt that holds it; its ARMED compensations are dropped (the orders own the stock and coupons now). */
export async function completeCheckout(db: Executor, buyerId: string, key: string, attempt: string, orderIds: string[]): Promise<boolean> {
  const rows = await db
    .update(checkouts)
    .set({ state: 'DONE', orderIds, leaseUntil: null })
    .where(heldBy(buyerId, key, attempt))
    .returning({ key: checkouts.key });
  if (rows.length !== 1) return false;
  await db.delete(checkoutJobs).where(and(eq(checkoutJobs.attempt, attempt), eq(checkoutJobs.state, 'ARMED')));
  return true;
}

// ───────────────────────────── checkout jobs (durable side effects) ─────────────────────────────

export type CheckoutJobKind = 'release_stock' | 'release_coupons' | 'remove_cart_lines';

export interface CheckoutJob {
  id: string;
  kind: CheckoutJobKind;
  payload: Record<string, unknown>;
  tries: number;
}

/** Writes a job; ARMED ones wait for their attempt's outcome, DUE ones run now. Returns its id. */
export async function insertCheckoutJob(
  tx: Executor,
  j: { buyerId: string; key: string; attempt: string; kind: CheckoutJobKind; payload: Record<string, unknown>; state: 'ARMED' | 'DUE'; now: Date },
): Promise<string> {
  const [r] = await tx
    .insert(checkoutJobs)
    .values({
      buyerId: j.buyerId,
      checkoutKey: j.key,
      attempt: j.attempt,
      kind: j.kind,
      payload: j.payload,
      state: j.state,
      nextRunAt: j.now,
      createdAt: j.now,
    })
    .returning({ id: checkoutJobs.id });
  return r.id;
}

/** Leases DUE jobs whose time has come (all of them, or only `ids`); SKIP LOCKED. */
export async function leaseCheckoutJobs(db: Executor, now: Date, leaseS: number, limit: number, ids?: string[]): Promise<CheckoutJob[]> {
  if (ids && !ids.length) return [];
  const due = db
    .select({ id: checkoutJobs.id })
    .from(checkoutJobs)
    .where(
      and(
        eq(checkoutJobs.state, 'DUE'),
        lte(checkoutJobs.nextRunAt, now),
        or(isNull(checkoutJobs.leaseUntil), lt(checkoutJobs.leaseUntil, now)),
        ids ? inArray(checkoutJobs.id, ids) : undefined,
      ),
    )
    .orderBy(checkoutJobs.nextRunAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(checkoutJobs)
    .set({ leaseUntil: new Date(now.getTime() + leaseS * 1000), tries: sql`${checkoutJobs.tries} + 1` }) // column arithmetic: an SQL expression
    .where(inArray(checkoutJobs.id, due))
    .returning({ id: checkoutJobs.id, kind: checkoutJobs.kind, payload: checkoutJobs.payload, tries: checkoutJobs.tries });
  return rows.map((r) => ({ ...r, kind: r.kind as CheckoutJobKind, payload: r.payload as Record<string, unknown> }));
}

export async function checkoutJobDone(db: Executor, id: string): Promise<void> {
  await db.delete(checkoutJobs).where(eq(checkoutJobs.id, id));
}

export async function checkoutJobFailed(db: Executor, id: string, nextRunAt: Date, error: string): Promise<void> {
  await db
    .update(checkoutJobs)
    .set({ leaseUntil: null, nextRunAt, lastError: error.slice(0, 500) })
    .where(eq(checkoutJobs.id, id));
}

/** Which of these cart lines already became an order. */
export async function orderedCartLines(db: Executor, lineIds: string[]): Promise<Set<string>> {
  if (!lineIds.length) return new Set();
  const rows = await db.select({ id: orderedCartLinesTable.cartLineId }).from(orderedCartLinesTable).where(inArray(orderedCartLinesTable.cartLineId, lineIds));
  return new Set(rows.map((r) => r.id));
}

/** Records the cart lines an order bought; false when one of them was ordered already (by a racing checkout). */
export async function recordOrderedCartLines(tx: Executor, lines: { cartLineId: string; orderId: string }[], at: Date): Promise<boolean> {
  if (!lines.length) return true;
  const rows = await tx
    .insert(orderedCartLinesTable)
    .values(lines.map((l) => ({ ...l, createdAt: at })))
    .onConflictDoNothing()
    .returning({ id: orderedCartLinesTable.cartLineId });
  return rows.length === lines.length;
}

export interface NewOrder {
  id: string;
  buyerId: string;
  storeId: string;
  sellerId: string;
  storeName: string;
  checkoutKey: string;
  reservationKey: string;
  address: { recipientName: string; phone: string; country: string; province: string | null; city: string; street: string; postalCode: string };
  shippingMethod: string;
  subtotal: number;
  shippingCost: number;
  discount: number;
  total: number;
  couponCodes: string[];
  paymentDeadline: Date;
  createdAt: Date;
  lines: Omit<LineRow, 'id' | 'orderId'>[];
  /** The store's handling time, when it set one (else the global shipping window applies). */
  handlingDays?: number | null;
  estimatedDeliveryFrom?: Date | null;
  estimatedDeliveryTo?: Date | null;
}

export async function insertOrder(tx: Executor, o: NewOrder): Promise<OrderRow> {
  const day = o.createdAt.toISOString().slice(0, 10).replace(/-/g, '');
  const [row] = await tx
    .insert(orders)
    .values({
      id: o.id,
      // the next value of a sequence, formatted: an SQL expression
      number: sql`${day} || '-' || lpad(nextval('orders.order_number_seq')::text, 6, '0')`,
      buyerId: o.buyerId,
      storeId: o.storeId,
      sellerId: o.sellerId,
      storeName: o.storeName,
      status: 'PAYMENT_REQUIRED',
      checkoutKey: o.checkoutKey,
      reservationKey: o.reservationKey,
      ...o.address,
      shippingMethod: o.shippingMethod,
      subtotal: o.subtotal,
      shippingCost: o.shippingCost,
      discount: o.discount,
      total: o.total,
      couponCodes: o.couponCodes,
      paymentDeadline: o.paymentDeadline,
      handlingDays: o.handlingDays ?? null,
      estimatedDeliveryFrom: o.estimatedDeliveryFrom ?? null,
      estimatedDeliveryTo: o.estimatedDeliveryTo ?? null,
      createdAt: o.createdAt,
      updatedAt: o.createdAt,
    })
    .returning();
  if (o.lines.length) await tx.insert(orderLines).values(o.lines.map((l, position) => ({ ...l, orderId: o.id, position })));
  return toOrder(row);
}

export async function insertHistory(tx: Executor, entries: { orderId: string; status: string; at: Date; reason: string | null }[]): Promise<void> {
  if (!entries.length) return;
  await tx.insert(statusHistory).values(entries);
}
