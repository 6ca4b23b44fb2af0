/**
 * SYSTEM messages made from consumed events (events.ts), and forgetting a
 * deactivated person. Each method runs in the consumer's transaction.
 */
import type { Tx } from '../../../platform/db.ts';
import { money } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries.ts';
import type { InboxRules } from '../events.ts';
import { announce } from './send.ts';

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

export function orderUpdateText(number: string, status: string, notice?: string): string {
  if (notice) return `Order ${number}: ${notice}.`;
  return `Order ${number} is now ${STATUS_TEXT[status] ?? status.toLowerCase().replace(/_/g, ' ')}.`;
}

const TRACKING_TEXT: Record<string, string> = {
  IN_TRANSIT: 'is in transit',
  OUT_FOR_DELIVERY: 'is out for delivery',
  DELIVERED: 'was delivered',
  EXCEPTION: 'has a delivery problem',
};

/** E.g. "Order 20261206-001000 is out for delivery (Springfield): With the courier." */
export function trackingText(number: string, status: string, location: string | null, description: string | null): string {
  const what = TRACKING_TEXT[status] ?? `has a tracking update (${status.toLowerCase().replace(/_/g, ' ')})`;
  const text = `Order ${number} ${what}${location ? ` (${location})` : ''}${description ? `: ${description}` : ''}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
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

export class InboxService implements InboxRules {
  constructor(private readonly deps: SubgraphDeps) {}

  async orderStatusChanged(
    tx: Tx,
    seq: number,
    o: { orderId: string; number: string; buyerId: string; storeId: string; sellerId: string; status: string; notice?: string },
  ): Promise<void> {
    await q.upsertKnownOrder(tx, { orderId: o.orderId, number: o.number, buyerId: o.buyerId, storeId: o.storeId, sellerId: o.sellerId });
    await this.systemMessage(tx, seq, o.buyerId, 'ORDER_UPDATES', orderUpdateText(o.number, o.status, o.notice), o.orderId);
  }

  async trackingEvent(
    tx: Tx,
    seq: number,
    e: { orderId: string; number: string; buyerId: string; status: string; location: string | null; description: string | null },
  ): Promise<void> {
    await this.systemMessage(tx, seq, e.buyerId, 'ORDER_UPDATES', trackingText(e.number, e.status, e.location, e.description), e.orderId);
  }

  async priceDropped(tx: Tx, seq: number, d: { userId: string; title: string; previousPrice: unknown; newPrice: unknown }): Promise<void> {
    await this.systemMessage(tx, seq, d.userId, 'PROMOTIONS', priceDropText(d.title, d.previousPrice, d.newPrice), null);
  }

  async userDeactivated(tx: Tx, userId: string): Promise<void> {
    await q.lockPerson(tx, userId);
    await q.deleteUserData(tx, userId);
  }

  /** One SYSTEM message for event `seq` in the user's inbox of that category (none for a deactivated user, none twice). */
  private async systemMessage(tx: Tx, seq: number, userId: string, category: q.Category, body: string, orderId: string | null): Promise<void> {
    await q.lockPerson(tx, userId);
    if (await q.isDeactivated(tx, userId)) return;
    const now = this.deps.clock.now();
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
      sourceEventSeq: seq,
      recipientId: userId,
    });
    if (!m) return; // this event already made its message
    await q.countIncoming(tx, c.id, 'BUYER', orderId, now);
    await announce(tx, m, [userId]);
  }
}
