/** Shipments' tracking events (service/tracking.ts). */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { orders, trackingEvents } from '../schema.ts';
import { toOrder, type OrderRow, type OrderStatus } from './rows.ts';

export type TrackingEventRow = typeof trackingEvents.$inferSelect;

/** Timelines of orders, oldest event first (ties: the order they were added in). */
export function trackingByOrderIds(db: Executor, orderIds: string[]): Promise<TrackingEventRow[]> {
  if (!orderIds.length) return Promise.resolve([]);
  return db
    .select()
    .from(trackingEvents)
    .where(inArray(trackingEvents.orderId, orderIds))
    .orderBy(asc(trackingEvents.orderId), asc(trackingEvents.at), asc(trackingEvents.seq));
}

/**
 * Takes the order for a new tracking event: one conditional UPDATE that locks
 * the row, only while it is in one of `statuses`. A DELIVERED event also sets
 * `delivered_at` (only if no DELIVERED came before: of two at once, one) and,
 * for an order awaiting confirmation, the delivery deadline. Null when the
 * order is not in such a state (or already delivered).
 */
export async function takeForTracking(
  tx: Executor,
  orderId: string,
  statuses: OrderStatus[],
  at: Date,
  delivered: { at: Date; deadline: Date } | null,
): Promise<OrderRow | null> {
  const [row] = await tx
    .update(orders)
    .set({
      updatedAt: at,
      ...(delivered
        ? {
            deliveredAt: delivered.at,
            // only an order awaiting confirmation has its confirmation window restarted: a CASE over its status
            deliveryDeadline: sql`case when ${orders.status} = 'UNCONFIRMED_DELIVERY' then ${delivered.deadline.toISOString()}::timestamptz else ${orders.deliveryDeadline} end`,
          }
        : {}),
    })
    .where(and(eq(orders.id, orderId), inArray(orders.status, statuses), delivered ? isNull(orders.deliveredAt) : undefined))
    .returning();
  return row ? toOrder(row) : null;
}

export async function insertTrackingEvent(
  tx: Executor,
  e: { orderId: string; status: string; at: Date; location: string | null; description: string | null; createdAt: Date },
): Promise<TrackingEventRow> {
  const [row] = await tx.insert(trackingEvents).values(e).returning();
  return row;
}
