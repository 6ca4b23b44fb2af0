/** Sending a message: who may write to whom, about which order, how often; the message and its event in one transaction. */
import type { Viewer } from '../../../platform/auth.ts';
import type { Executor } from '../../../platform/db.ts';
import { fail } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import { isId } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries.ts';
import type { ConversationRow, MessageRow, Side } from '../db/queries.ts';
import { messageCreated } from '../events.ts';
import { fetchStores } from '../loaders.ts';
import { ownSide } from './access.ts';
import { validInput } from '../../../platform/validate.ts';
import { SendMessageInput } from './inputs.ts';

export interface MessagingSettings {
  /** Messages one person may send per minute (MESSAGE_RATE_PER_MIN, default 30). */
  ratePerMinute: number;
}

/** Publishes message.created and stores its seq (the cursor) on the message and conversation. */
export async function announce(tx: Executor, m: MessageRow, recipientIds: string[]): Promise<MessageRow> {
  const [seq] = await publish(tx, [messageCreated(m, recipientIds)]);
  await q.recordSeq(tx, m.id, m.conversationId, seq);
  return { ...m, seq };
}

export class SendService {
  readonly settings: MessagingSettings;

  constructor(private readonly deps: SubgraphDeps) {
    this.settings = { ratePerMinute: deps.config.messageRatePerMin };
  }

  async send(viewer: Viewer, input: SendMessageInput): Promise<{ message: MessageRow }> {
    const { attachments } = validInput(SendMessageInput, input, { field: ['input'] });
    const db = this.deps.db.drizzle;

    // Who is writing to whom: settled before the transaction (remote calls never inside one).
    let target: { conversation: ConversationRow | null; storeId: string; sellerId: string; buyerId: string; side: Side };
    if (input.storeId !== null && input.storeId !== undefined) {
      const [store] = isId(input.storeId) ? await fetchStores(this.deps.internal, [input.storeId], this.deps.log) : [null];
      if (!store) fail('NOT_FOUND', 'That store does not exist.', ['input', 'storeId']);
      if (store.ownerId === viewer.id) fail('INVALID_INPUT', 'You cannot write to your own store.', ['input', 'storeId']);
      target = { conversation: null, storeId: store.id, sellerId: store.ownerId, buyerId: viewer.id, side: 'BUYER' };
    } else {
      const { c, side } = await ownSide(db, viewer, input.conversationId!);
      if (c.category !== 'SELLER') fail('INVALID_INPUT', 'Messages from the platform cannot be answered.', ['input', 'conversationId']);
      target = { conversation: c, storeId: c.storeId!, sellerId: c.sellerId!, buyerId: c.buyerId, side };
    }
    const orderId = input.orderId ?? null;
    if (orderId) {
      const order = await q.findKnownOrder(db, orderId);
      if (!order || order.buyerId !== target.buyerId || order.storeId !== target.storeId) {
        fail('INVALID_INPUT', 'That order is not one of yours with this store.', ['input', 'orderId']);
      }
    }

    const now = this.deps.clock.now();
    const message = await db.transaction(async (tx) => {
      const count = await q.bumpSendRate(tx, viewer.id, Math.floor(now.getTime() / 60_000));
      if (count > this.settings.ratePerMinute) {
        fail('RATE_LIMITED', `You can send at most ${this.settings.ratePerMinute} messages a minute. Try again shortly.`);
      }
      const c = target.conversation ?? (await q.ensureSellerConversation(tx, target.buyerId, target.storeId, target.sellerId, now));
      const recipientSide: Side = target.side === 'BUYER' ? 'SELLER' : 'BUYER';
      if (await q.reportedBy(tx, c.id, recipientSide)) {
        fail('BLOCKED', 'This conversation was reported; your messages are no longer delivered in it.');
      }
      // the message, and the recipient's unread count: the counter row stays locked until commit,
      // so it is taken as late as possible
      const m = await q.insertIncomingMessage(
        tx,
        {
          conversationId: c.id,
          senderRole: target.side,
          senderId: viewer.id,
          body: input.body,
          attachments,
          orderId,
          readByBuyer: target.side === 'BUYER',
          readBySeller: target.side === 'SELLER',
          createdAt: now,
        },
        recipientSide,
      );
      const recipient = recipientSide === 'BUYER' ? c.buyerId : c.sellerId!;
      return announce(tx, m, [recipient]);
    });
    return { message };
  }
}
