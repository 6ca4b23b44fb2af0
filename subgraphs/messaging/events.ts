/**
 * The events of the messaging subgraph.
 *
 * Publishes `message.created` (one per message, to its recipients: the
 * subscription `messageAdded` and the Message cursor are its seq).
 *
 * Consumes, each handler in the consumer's transaction:
 * - `order.status_changed`: a SYSTEM message in the buyer's ORDER_UPDATES
 *   conversation (its `notice`, when the event has one, else the new status), and the order's buyer/store/seller in `known_orders` (so a
 *   buyer may mention that order to that store);
 * - `order.tracking_event`: a SYSTEM message in the buyer's ORDER_UPDATES
 *   conversation (the shipment's new event);
 * - `promotion.price_dropped`: a SYSTEM message in the user's PROMOTIONS conversation;
 * - `user.deactivated`: the person's conversations as buyer (inboxes too) and
 *   every message they sent are deleted.
 * A replayed event never makes a second message: messages are unique on
 * (source_event_seq, recipient_id). The rules are in service/inbox.ts.
 */
import type { Tx } from '../../platform/db.ts';
import type { NewEvent } from '../../platform/events/bus.ts';
import type { Logger } from '../../platform/log.ts';
import { isId } from '../../platform/scalars.ts';
import type { Consumer } from '../../platform/subgraph.ts';

// ───────────── published ─────────────

export const MESSAGE_CREATED = 'message.created';

/** message.created, addressed to the message's recipients. */
export function messageCreated(m: { id: string; conversationId: string }, recipientIds: string[]): NewEvent {
  return { topic: MESSAGE_CREATED, payload: { messageId: m.id, conversationId: m.conversationId, recipientIds }, audience: recipientIds };
}

// ───────────── consumed ─────────────

/** What the consumers do with a well-formed event (service/inbox.ts). */
export interface InboxRules {
  orderStatusChanged(
    tx: Tx,
    seq: number,
    o: { orderId: string; number: string; buyerId: string; storeId: string; sellerId: string; status: string; notice?: string },
  ): Promise<void>;
  trackingEvent(
    tx: Tx,
    seq: number,
    e: { orderId: string; number: string; buyerId: string; status: string; location: string | null; description: string | null },
  ): Promise<void>;
  priceDropped(tx: Tx, seq: number, d: { userId: string; title: string; previousPrice: unknown; newPrice: unknown }): Promise<void>;
  userDeactivated(tx: Tx, userId: string): Promise<void>;
}

export const CONSUMERS = {
  orderUpdates: 'messaging.order-updates',
  trackingUpdates: 'messaging.tracking-updates',
  priceDrops: 'messaging.price-drops',
  deactivation: 'messaging.deactivation',
} as const;

export function consumers(inbox: InboxRules, log: Logger): Consumer[] {
  return [
    {
      name: CONSUMERS.orderUpdates,
      topics: ['order.status_changed'],
      handle: async (tx, e) => {
        const p = e.payload;
        if (!isId(p.orderId) || !isId(p.buyerId) || !isId(p.storeId) || !isId(p.sellerId) || typeof p.status !== 'string') {
          log.warn('skipping a malformed order.status_changed', { seq: e.seq });
          return;
        }
        const number = typeof p.number === 'string' ? p.number : p.orderId;
        await inbox.orderStatusChanged(tx, e.seq, {
          orderId: p.orderId,
          number,
          buyerId: p.buyerId,
          storeId: p.storeId,
          sellerId: p.sellerId,
          status: p.status,
          // a sentence about the order (a refund, an escalation, a reply) instead of the status alone
          ...(typeof p.notice === 'string' && p.notice ? { notice: p.notice.slice(0, 500) } : {}),
        });
      },
    },
    {
      name: CONSUMERS.trackingUpdates,
      topics: ['order.tracking_event'],
      handle: async (tx, e) => {
        const p = e.payload;
        const t = (p.tracking ?? {}) as Record<string, unknown>;
        if (!isId(p.orderId) || !isId(p.buyerId) || typeof t.status !== 'string') {
          log.warn('skipping a malformed order.tracking_event', { seq: e.seq });
          return;
        }
        const text = (v: unknown) => (typeof v === 'string' && v ? v : null);
        await inbox.trackingEvent(tx, e.seq, {
          orderId: p.orderId,
          number: typeof p.number === 'string' ? p.number : p.orderId,
          buyerId: p.buyerId,
          status: t.status,
          location: text(t.location),
          description: text(t.description),
        });
      },
    },
    {
      name: CONSUMERS.priceDrops,
      topics: ['promotion.price_dropped'],
      handle: async (tx, e) => {
        const p = e.payload;
        if (!isId(p.userId)) {
          log.warn('skipping a malformed promotion.price_dropped', { seq: e.seq });
          return;
        }
        const title = typeof p.title === 'string' && p.title ? p.title : 'A product you watch';
        await inbox.priceDropped(tx, e.seq, { userId: p.userId, title, previousPrice: p.previousPrice, newPrice: p.newPrice });
      },
    },
    {
      name: CONSUMERS.deactivation,
      topics: ['user.deactivated'],
      handle: async (tx, e) => {
        const userId = e.payload.userId;
        if (!isId(userId)) return;
        await inbox.userDeactivated(tx, userId);
      },
    },
  ];
}
