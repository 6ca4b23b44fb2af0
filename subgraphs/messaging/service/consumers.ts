/**
 * What the messaging subgraph learns from the event bus:
 *
 * - `order.status_changed`: a SYSTEM message in the buyer's ORDER_UPDATES
 *   conversation, and the order's buyer/store/seller in `known_orders` (so a
 *   buyer may mention that order to that store);
 * - `promotion.price_dropped`: a SYSTEM message in the user's PROMOTIONS conversation;
 * - `user.deactivated`: the person's conversations as buyer (inboxes too) and
 *   every message they sent are deleted.
 *
 * Each handler runs in the consumer's transaction. A replayed event never makes
 * a second message: messages are unique on (source_event_seq, recipient_id).
 */
import type { BusEvent } from '../../../platform/events/bus.ts';
import type { Tx } from '../../../platform/db.ts';
import { isId, money } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import type { MessagingService } from '../service.ts';

export const CONSUMERS = {
  orderUpdates: 'messaging.order-updates',
  priceDrops: 'messaging.price-drops',
  deactivation: 'messaging.deactivation',
} as const;

const STATUS_TEXT: Record<string, string> = {
  PAYMENT_REQUIRED: 'awaiting payment',
  SHIPMENT_REQUIRED: 'awaiting shipment',
  UNCONFIRMED_DELIVERY: 'shipped',
  FEEDBACK_REQUIRED: 'delivered and awaiting your feedback',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  DISPUTED: 'in dispute',
  REFUNDED: 'refunded',
};

export function orderUpdateText(number: string, status: string): string {
  return `Order ${number} is now ${STATUS_TEXT[status] ?? status.toLowerCase().replace(/_/g, ' ')}.`;
}

function price(v: unknown): string | null {
  return typeof v === 'number' && Number.isSafeInteger(v) ? `$${money(v).amount}` : null;
}

export function priceDropText(title: string, previousPrice: unknown, newPrice: unknown): string {
  const now = price(newPrice);
  const before = price(previousPrice);
  if (!now) return `Price drop: ${title} is cheaper now.`;
  return `Price drop: ${title} is now ${now}${before ? ` (was ${before})` : ''}.`;
}

async function systemMessage(
  service: MessagingService,
  tx: Tx,
  e: BusEvent,
  userId: string,
  category: q.Category,
  body: string,
  orderId: string | null,
): Promise<void> {
  await q.lockPerson(tx, userId);
  if (await q.isDeactivated(tx, userId)) return;
  const now = service.deps.clock.now();
  const c = await q.ensureSystemConversation(tx, userId, category, now);
  const m = await q.insertSystemMessage(tx, {
    conversationId: c.id,
    senderRole: 'SYSTEM',
    senderId: null,
    body,
    attachments: [],
    orderId,
    readByBuyer: false,
    readBySeller: true,
    createdAt: now,
    sourceEventSeq: e.seq,
    recipientId: userId,
  });
  if (!m) return; // this event already made its message
  await q.countIncoming(tx, c.id, 'BUYER', orderId, now);
  await service.announce(tx, m, [userId]);
}

export function startConsumers(service: MessagingService): void {
  const { bus, db, log } = service.deps;

  bus.consume(CONSUMERS.orderUpdates, ['order.status_changed'], db, async (tx, e) => {
    const p = e.payload as Record<string, unknown>;
    if (!isId(p.orderId) || !isId(p.buyerId) || !isId(p.storeId) || !isId(p.sellerId) || typeof p.status !== 'string') {
      log.warn('skipping a malformed order.status_changed', { seq: e.seq });
      return;
    }
    const number = typeof p.number === 'string' ? p.number : p.orderId;
    await q.upsertKnownOrder(tx, { orderId: p.orderId, number, buyerId: p.buyerId, storeId: p.storeId, sellerId: p.sellerId });
    await systemMessage(service, tx, e, p.buyerId, 'ORDER_UPDATES', orderUpdateText(number, p.status), p.orderId);
  });

  bus.consume(CONSUMERS.priceDrops, ['promotion.price_dropped'], db, async (tx, e) => {
    const p = e.payload as Record<string, unknown>;
    if (!isId(p.userId)) {
      log.warn('skipping a malformed promotion.price_dropped', { seq: e.seq });
      return;
    }
    const title = typeof p.title === 'string' && p.title ? p.title : 'A product you watch';
    await systemMessage(service, tx, e, p.userId, 'PROMOTIONS', priceDropText(title, p.previousPrice, p.newPrice), null);
  });

  bus.consume(CONSUMERS.deactivation, ['user.deactivated'], db, async (tx, e) => {
    const userId = (e.payload as Record<string, unknown>).userId;
    if (!isId(userId)) return;
    await q.lockPerson(tx, userId);
    await q.deleteUserData(tx, userId);
  });
}
