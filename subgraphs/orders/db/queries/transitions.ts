/** Status transitions: each one conditional UPDATE (the model of the life cycle). */
import { and, eq, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Executor } from '../../../../platform/db.ts';
import { feedback, orders } from '../schema.ts';
import { toOrder, type OrderRow, type OrderStatus } from './rows.ts';

/** Extra `column = value` assignments of a transition (a value may be SQL over the row's old values). */
export type OrderAssignments = PgUpdateSetSource<typeof orders>;

export interface TransitionSpec {
  from: OrderStatus[];
  to: OrderStatus | 'STATUS_BEFORE_DISPUTE';
  /** Extra `column = value` assignments. */
  set?: OrderAssignments[];
  /** Extra condition, e.g. the actor. */
  where?: SQL;
  at: Date;
}

function setOf(spec: TransitionSpec): OrderAssignments {
  // the new status and the old one are SQL over the row's current values (one statement, no read first)
  const to = spec.to === 'STATUS_BEFORE_DISPUTE' ? sql`coalesce(${orders.statusBeforeDispute}, ${orders.status})` : spec.to;
  return Object.assign({ previousStatus: sql`${orders.status}`, status: to, updatedAt: spec.at }, ...(spec.set ?? []));
}

/**
 * One conditional UPDATE: the order moves only if it is still in one of
 * `from` (and matches `where`). Returns the new row, or null when it did not.
 */
export async function transitionOne(tx: Executor, orderId: string, spec: TransitionSpec): Promise<OrderRow | null> {
  const [row] = await tx
    .update(orders)
    .set(setOf(spec))
    .where(and(eq(orders.id, orderId), inArray(orders.status, spec.from), spec.where))
    .returning();
  return row ? toOrder(row) : null;
}

/** Moves several orders at once (payOrders); returns those that moved. */
export async function transitionMany(tx: Executor, orderIds: string[], spec: TransitionSpec): Promise<OrderRow[]> {
  if (!orderIds.length) return [];
  const rows = await tx
    .update(orders)
    .set(setOf(spec))
    .where(and(inArray(orders.id, orderIds), inArray(orders.status, spec.from), spec.where))
    .returning();
  return rows.map(toOrder);
}

const deadlines = {
  payment_deadline: orders.paymentDeadline,
  ship_by_deadline: orders.shipByDeadline,
  delivery_deadline: orders.deliveryDeadline,
  feedback_deadline: orders.feedbackDeadline,
};

/**
 * The sweeper's claim: orders of `status` whose `deadline` column is due,
 * locked with SKIP LOCKED so concurrent sweepers and people never collide,
 * then moved in the same statement. An order whose payment is charging (paying_payment_id)
 * is not due for its payment deadline: a dead attempt's claim is freed by the payments sweeper.
 */
export async function transitionDue(
  tx: Executor,
  status: OrderStatus,
  deadlineColumn: keyof typeof deadlines,
  now: Date,
  limit: number,
  spec: TransitionSpec,
): Promise<OrderRow[]> {
  const column = deadlines[deadlineColumn];
  const due = tx
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.status, status), lte(column, now), deadlineColumn === 'payment_deadline' ? isNull(orders.payingPaymentId) : undefined))
    .orderBy(column)
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await tx
    .update(orders)
    .set(setOf(spec))
    .where(and(inArray(orders.id, due), eq(orders.status, status)))
    .returning();
  return rows.map(toOrder);
}

export const assign = {
  shipByDeadline: (d: Date): OrderAssignments => ({ shipByDeadline: d }),
  /** Paid at `now`: ship within the order's handling days (the store's, at checkout), else within `windowS` seconds. */
  shipByAfterHandling: (now: Date, windowS: number): OrderAssignments => ({
    shipByDeadline: sql`${now.toISOString()}::timestamptz + make_interval(secs => coalesce(${orders.handlingDays} * 86400, ${windowS}::int))`,
  }),
  deliveryDeadline: (d: Date): OrderAssignments => ({ deliveryDeadline: d }),
  feedbackDeadline: (d: Date): OrderAssignments => ({ feedbackDeadline: d }),
  /** shipOrder: the tracking number, the carrier (or none), when. */
  shipped: (trackingNumber: string, carrier: string | null, at: Date): OrderAssignments => ({ trackingNumber, carrier, shippedAt: at }),
  paymentId: (id: string): OrderAssignments => ({ paymentId: id }),
  /** The order's payment claim is settled (payOrders). */
  noPaymentClaim: (): OrderAssignments => ({ payingPaymentId: null }),
  releaseStockAndCoupons: (): OrderAssignments => ({ releaseStockDue: true, releaseCouponsDue: true }),
  releaseStockAndRefund: (): OrderAssignments => ({ releaseStockDue: true, refundDue: true }),
  refund: (): OrderAssignments => ({ refundDue: true }),
  /** Unpaid: stock and coupons back; paid: stock back and a refund (the right-hand side sees the old status). */
  cancellationGiveBacks: (): OrderAssignments => ({
    releaseStockDue: true,
    releaseCouponsDue: sql`(${orders.status} = 'PAYMENT_REQUIRED')`,
    refundDue: sql`(${orders.status} = 'SHIPMENT_REQUIRED')`,
  }),
};

export const actor = {
  buyer: (userId: string) => eq(orders.buyerId, userId),
  seller: (userId: string) => eq(orders.sellerId, userId),
  /** The buyer, paying with this payment attempt (its claim, or no claim at all). */
  payingBuyer: (userId: string, paymentId: string) =>
    and(eq(orders.buyerId, userId), or(isNull(orders.payingPaymentId), eq(orders.payingPaymentId, paymentId)))!,
};

/** extendShippingTime: same status, later deadline. */
export async function extendShipBy(tx: Executor, orderId: string, buyerId: string, days: number, at: Date): Promise<OrderRow | null> {
  const [row] = await tx
    .update(orders)
    // interval arithmetic on the stored deadline: an SQL expression
    .set({ shipByDeadline: sql`${orders.shipByDeadline} + make_interval(days => ${days})`, updatedAt: at })
    .where(and(eq(orders.id, orderId), eq(orders.buyerId, buyerId), eq(orders.status, 'SHIPMENT_REQUIRED')))
    .returning();
  return row ? toOrder(row) : null;
}

export async function insertFeedback(
  tx: Executor,
  f: {
    orderId: string;
    buyerId: string;
    storeId: string;
    productRating: number;
    shippingRating: number;
    communicationRating: number;
    comment: string | null;
    asDescribedRating?: number | null;
    photoUrls?: string[];
    at: Date;
  },
): Promise<void> {
  const { at, ...row } = f;
  await tx.insert(feedback).values({ ...row, createdAt: at });
}
