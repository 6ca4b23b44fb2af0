/** The messaging subgraph's rules, authorization and transactions. */
import { GraphQLError } from 'graphql';
import type { Viewer } from '../../platform/auth.ts';
import { fail, forbidden, unauthenticated } from '../../platform/errors.ts';
import { publish } from '../../platform/events/bus.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { decodeCursor, encodeCursor, isId, pageSize } from '../../platform/scalars.ts';
import { liveEvents, SKIP } from '../../platform/subscriptions/live.ts';
import * as q from './db/queries.ts';
import type { Category, ConversationRow, MessageRow, Side } from './db/queries.ts';
import { fetchStores, type Loaders } from './loaders.ts';
import { validateSendInput, type SendMessageInput } from './service/validate.ts';

export const MESSAGE_CREATED = 'message.created';
export const SYSTEM_SENDER_NAME = 'Marketplace';

export interface MessagingSettings {
  /** Messages one person may send per minute (MESSAGE_RATE_PER_MIN, default 30). */
  ratePerMinute: number;
}

export function readSettings(config: { messageRatePerMin: number }): MessagingSettings {
  return { ratePerMinute: config.messageRatePerMin };
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** The viewer's side of a conversation, or null when they are not part of it. */
export function sideOf(c: ConversationRow, viewerId: string | undefined): Side | null {
  if (!viewerId) return null;
  if (c.buyerId === viewerId) return 'BUYER';
  if (c.category === 'SELLER' && c.sellerId === viewerId) return 'SELLER';
  return null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount?: number;
}

function conversationAfter(after: string | null | undefined): { seq: number; id: string } | null {
  const c = decodeCursor<{ s?: unknown; i?: unknown }>(after);
  if (!c) return null;
  if (typeof c.s !== 'number' || !Number.isSafeInteger(c.s) || !isId(c.i)) {
    throw new GraphQLError('The cursor is not valid.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return { seq: c.s, id: c.i };
}

/** A Message.cursor (the decimal seq of its message.created event). */
export function parseSeqCursor(after: string | null | undefined): number | null {
  if (after === null || after === undefined) return null;
  if (!/^\d{1,15}$/.test(after)) throw new GraphQLError('The cursor is not valid.', { extensions: { code: 'BAD_USER_INPUT' } });
  return Number(after);
}

export class MessagingService {
  readonly settings: MessagingSettings;

  constructor(
    readonly deps: SubgraphDeps,
    settings?: MessagingSettings,
  ) {
    this.settings = settings ?? readSettings(deps.config);
  }

  // ───────────── reads ─────────────

  /** The conversation when the viewer takes part in it, else null. */
  async conversationFor(viewer: Viewer | null, id: string, loaders: Loaders): Promise<ConversationRow | null> {
    if (!viewer || !isId(id)) return null;
    const c = await loaders.conversation.load(id);
    return c && sideOf(c, viewer.id) ? c : null;
  }

  async messageFor(viewer: Viewer | null, id: string, loaders: Loaders): Promise<MessageRow | null> {
    if (!viewer || !isId(id)) return null;
    const m = await loaders.message.load(id);
    if (!m) return null;
    return (await this.conversationFor(viewer, m.conversationId, loaders)) ? m : null;
  }

  async userConversations(
    viewer: Viewer | null,
    userId: string,
    args: { category?: Category | null; archived?: boolean | null; first?: number | null; after?: string | null },
  ): Promise<Connection<ConversationRow>> {
    const v = requireViewer(viewer);
    if (v.id !== userId) throw forbidden('You can only read your own conversations.');
    return this.conversationPage({ userId, category: args.category, archived: args.archived }, args.first, args.after);
  }

  async storeConversations(
    viewer: Viewer | null,
    storeId: string,
    args: { archived?: boolean | null; first?: number | null; after?: string | null },
    loaders: Loaders,
  ): Promise<Connection<ConversationRow>> {
    const v = requireViewer(viewer);
    const store = isId(storeId) ? await loaders.store.load(storeId) : null;
    if (!store || store.ownerId !== v.id) throw forbidden("Only the store's owner can read its conversations.");
    return this.conversationPage({ storeId, archived: args.archived }, args.first, args.after);
  }

  private async conversationPage(
    filter: Omit<q.ConversationFilter, 'limit' | 'after'>,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<Connection<ConversationRow>> {
    const n = pageSize(first);
    const db = this.deps.db.drizzle;
    const afterKey = conversationAfter(after);
    const [rows, totalCount] = await Promise.all([
      q.listConversations(db, { ...filter, after: afterKey, limit: n + 1 }),
      q.countConversations(db, { ...filter, limit: 0 }),
    ]);
    const page = rows.slice(0, n);
    const edges = page.map((c) => ({ cursor: encodeCursor({ s: c.lastSeq, i: c.id }), node: c }));
    return { edges, pageInfo: { hasNextPage: rows.length > n, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
  }

  async unreadMessageCount(viewer: Viewer | null, userId: string): Promise<number> {
    const v = requireViewer(viewer);
    if (v.id !== userId) throw forbidden('You can only read your own unread count.');
    return q.unreadTotal(this.deps.db.drizzle, userId);
  }

  async messagePage(c: ConversationRow, args: { first?: number | null; after?: string | null }, loaders: Loaders): Promise<Connection<MessageRow>> {
    const n = pageSize(args.first);
    const rows = await loaders.messagePage.load({ conversationId: c.id, limit: n + 1, beforeSeq: parseSeqCursor(args.after) });
    const page = rows.slice(0, n);
    const edges = page.map((m) => ({ cursor: String(m.seq), node: m }));
    return { edges, pageInfo: { hasNextPage: rows.length > n, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  async orderConversation(viewer: Viewer | null, orderId: string, loaders: Loaders): Promise<ConversationRow | null> {
    if (!viewer || !isId(orderId)) return null;
    const c = await loaders.orderConversation.load(orderId);
    return c && sideOf(c, viewer.id) ? c : null;
  }

  // ───────────── commands ─────────────

  async sendMessage(viewer: Viewer | null, input: SendMessageInput): Promise<{ message: MessageRow }> {
    const v = requireViewer(viewer);
    const attachments = validateSendInput(input);
    if (input.orderId !== null && input.orderId !== undefined && !isId(input.orderId)) {
      fail('INVALID_INPUT', 'That order is not one of yours with this store.', ['input', 'orderId']);
    }
    const db = this.deps.db.drizzle;

    // Who is writing to whom: settled before the transaction (remote calls never inside one).
    let target: { conversation: ConversationRow | null; storeId: string; sellerId: string; buyerId: string; side: Side };
    if (input.storeId !== null && input.storeId !== undefined) {
      const [store] = isId(input.storeId) ? await fetchStores(this.deps.internal, [input.storeId], this.deps.log) : [null];
      if (!store) fail('NOT_FOUND', 'That store does not exist.', ['input', 'storeId']);
      if (store.ownerId === v.id) fail('INVALID_INPUT', 'You cannot write to your own store.', ['input', 'storeId']);
      target = { conversation: null, storeId: store.id, sellerId: store.ownerId, buyerId: v.id, side: 'BUYER' };
    } else {
      const [c] = isId(input.conversationId) ? await q.conversationsByIds(db, [input.conversationId!]) : [];
      const side = c ? sideOf(c, v.id) : null;
      if (!c || !side) throw forbidden('You are not part of this conversation.');
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
      const count = await q.bumpSendRate(tx, v.id, Math.floor(now.getTime() / 60_000));
      if (count > this.settings.ratePerMinute) {
        fail('RATE_LIMITED', `You can send at most ${this.settings.ratePerMinute} messages a minute. Try again shortly.`);
      }
      const c = target.conversation ?? (await q.ensureSellerConversation(tx, target.buyerId, target.storeId, target.sellerId, now));
      const recipientSide: Side = target.side === 'BUYER' ? 'SELLER' : 'BUYER';
      if (await q.reportedBy(tx, c.id, recipientSide)) {
        fail('BLOCKED', 'This conversation was reported; your messages are no longer delivered in it.');
      }
      const m = await q.insertMessage(tx, {
        conversationId: c.id,
        senderRole: target.side,
        senderId: v.id,
        body: input.body,
        attachments,
        orderId,
        readByBuyer: target.side === 'BUYER',
        readBySeller: target.side === 'SELLER',
        createdAt: now,
      });
      // The counter row stays locked until commit: take it as late as possible.
      await q.countIncoming(tx, c.id, recipientSide, orderId, now);
      const recipient = recipientSide === 'BUYER' ? c.buyerId : c.sellerId!;
      return this.announce(tx, m, [recipient]);
    });
    return { message };
  }

  /** Publishes message.created and stores its seq (the cursor) on the message and conversation. */
  async announce(tx: Parameters<typeof publish>[0], m: MessageRow, recipientIds: string[]): Promise<MessageRow> {
    const [seq] = await publish(tx, [
      { topic: MESSAGE_CREATED, payload: { messageId: m.id, conversationId: m.conversationId, recipientIds }, audience: recipientIds },
    ]);
    await q.recordSeq(tx, m.id, m.conversationId, seq);
    return { ...m, seq };
  }

  /** The conversation with the viewer's side, or FORBIDDEN (unknown and not-yours look alike). */
  private async ownSide(viewer: Viewer | null, conversationId: string): Promise<{ c: ConversationRow; side: Side }> {
    const v = requireViewer(viewer);
    const [c] = isId(conversationId) ? await q.conversationsByIds(this.deps.db.drizzle, [conversationId]) : [];
    const side = c ? sideOf(c, v.id) : null;
    if (!c || !side) throw forbidden('You are not part of this conversation.');
    return { c, side };
  }

  private async reload(id: string): Promise<{ conversation: ConversationRow }> {
    const [c] = await q.conversationsByIds(this.deps.db.drizzle, [id]);
    return { conversation: c };
  }

  async markRead(viewer: Viewer | null, conversationId: string): Promise<{ conversation: ConversationRow }> {
    const { c, side } = await this.ownSide(viewer, conversationId);
    await this.deps.db.drizzle.transaction((tx) => q.markRead(tx, c.id, side));
    return this.reload(c.id);
  }

  async setArchived(viewer: Viewer | null, conversationId: string, archived: boolean): Promise<{ conversation: ConversationRow }> {
    const { c, side } = await this.ownSide(viewer, conversationId);
    await q.setArchived(this.deps.db.drizzle, c.id, side, archived);
    return this.reload(c.id);
  }

  async report(viewer: Viewer | null, conversationId: string, reason: string): Promise<{ conversation: ConversationRow }> {
    const { c, side } = await this.ownSide(viewer, conversationId);
    if (c.category !== 'SELLER') fail('INVALID_INPUT', 'Only conversations with a store can be reported.', ['conversationId']);
    const trimmed = typeof reason === 'string' ? reason.trim() : '';
    if (!trimmed) fail('INVALID_INPUT', 'Say why you report this conversation.', ['reason']);
    if (trimmed.length > 1000) fail('INVALID_INPUT', 'A reason is at most 1000 characters.', ['reason']);
    await q.insertReport(this.deps.db.drizzle, {
      conversationId: c.id,
      reporterId: viewer!.id,
      reporterSide: side,
      reason: trimmed,
      createdAt: this.deps.clock.now(),
    });
    return this.reload(c.id);
  }

  // ───────────── subscription ─────────────

  /** `loadersFor(seq)`: the loaders to read event `seq` with (and resolve its fields). */
  async messageAdded(
    viewer: Viewer | null,
    args: { conversationId?: string | null; after?: string | null },
    loadersFor: (seq: number) => Loaders,
  ): Promise<AsyncIterableIterator<MessageRow>> {
    const v = requireViewer(viewer);
    const after = parseSeqCursor(args.after);
    const only = args.conversationId ?? null;
    if (only !== null) await this.ownSide(v, only);
    return liveEvents<MessageRow>({
      bus: this.deps.bus,
      verifier: this.deps.verifier,
      viewer: v,
      topics: [MESSAGE_CREATED],
      after: after ?? undefined,
      filter: only ? (e) => e.payload.conversationId === only : undefined,
      map: async (e) => {
        const m = await loadersFor(e.seq).message.load(String(e.payload.messageId));
        if (!m) return SKIP; // deleted since (its author's data was erased): nothing to deliver
        return m;
      },
    });
  }
}
