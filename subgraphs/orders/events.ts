/**
 * The orders subgraph's events: what it publishes (`order.status_changed`, one
 * per status change, and `order.tracking_event`, one per tracking event of a
 * shipment, to the buyer and the seller) and what it consumes
 * (`user.deactivated`: the buyer's addresses on past orders are anonymized).
 */
import type { BusEvent, NewEvent } from '../../platform/events/bus.ts';
import { isId } from '../../platform/scalars.ts';
import type { Consumer } from '../../platform/subgraph.ts';
import * as q from './db/queries/index.ts';
import type { OrderRow } from './db/queries/index.ts';

export const STATUS_TOPIC = 'order.status_changed';

/**
 * The `order.status_changed` events of `rows` (each row's `previousStatus` → `status`);
 * `notice`, when given, is what the buyer's inbox says about it (messaging).
 */
export function statusChangedEvents(rows: OrderRow[], reason: string | null, at: Date, notice?: string): NewEvent[] {
  return rows.map((r) => ({
    topic: STATUS_TOPIC,
    payload: {
      orderId: r.id,
      number: r.number,
      buyerId: r.buyerId,
      storeId: r.storeId,
      sellerId: r.sellerId,
      previousStatus: r.previousStatus,
      status: r.status,
      at: at.toISOString(),
      reason,
      ...(notice ? { notice } : {}),
    },
    audience: [...new Set([r.buyerId, r.sellerId])],
  }));
}

export const TRACKING_TOPIC = 'order.tracking_event';

/** The `order.tracking_event` of a tracking event just added to `order` (whose status it does not change). */
export function trackingEventAdded(
  order: OrderRow,
  e: { status: string; at: Date; location: string | null; description: string | null },
  carrier: string | null,
): NewEvent {
  return {
    topic: TRACKING_TOPIC,
    payload: {
      orderId: order.id,
      number: order.number,
      buyerId: order.buyerId,
      storeId: order.storeId,
      sellerId: order.sellerId,
      status: order.status,
      carrier,
      trackingNumber: order.trackingNumber,
      tracking: { status: e.status, at: e.at.toISOString(), location: e.location, description: e.description },
    },
    audience: [...new Set([order.buyerId, order.sellerId])],
  };
}

export const consumers: Consumer[] = [
  {
    name: 'orders.user-deactivated',
    topics: ['user.deactivated'],
    handle: async (tx, event: BusEvent) => {
      const userId = event.payload.userId;
      if (isId(userId)) await q.anonymizeBuyer(tx, userId);
    },
  },
];
