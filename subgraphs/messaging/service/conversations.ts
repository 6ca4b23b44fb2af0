/** Reading conversations and messages, and what each side does to its view of a conversation (read, archive; reports are in reports.ts). */
import type { Viewer } from '../../../platform/auth.ts';
import { forbidden } from '../../../platform/errors.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { encodeCursor, isId, pageSize } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries.ts';
import type { Category, ConversationRow, MessageRow } from '../db/queries.ts';
import type { Loaders } from '../loaders.ts';
import { conversationAfter, ownSide, parseSeqCursor, sideOf } from './access.ts';

type PageArgs = { first?: number | null; after?: string | null };

export class ConversationService {
  constructor(private readonly deps: SubgraphDeps) {}

  // ───────────── reads ─────────────

  /** The conversation when the viewer takes part in it, else null. */
  async conversationFor(viewer: Viewer, id: string, loaders: Loaders): Promise<ConversationRow | null> {
    if (!isId(id)) return null;
    const c = await loaders.conversation.load(id);
    return c && sideOf(c, viewer.id) ? c : null;
  }

  async messageFor(viewer: Viewer, id: string, loaders: Loaders): Promise<MessageRow | null> {
    if (!isId(id)) return null;
    const m = await loaders.message.load(id);
    if (!m) return null;
    return (await this.conversationFor(viewer, m.conversationId, loaders)) ? m : null;
  }

  /** The SELLER conversation about an order, when the viewer takes part in it. */
  async orderConversation(viewer: Viewer, orderId: string, loaders: Loaders): Promise<ConversationRow | null> {
    if (!isId(orderId)) return null;
    const c = await loaders.orderConversation.load(orderId);
    return c && sideOf(c, viewer.id) ? c : null;
  }

  async userConversations(
    viewer: Viewer,
    userId: string,
    args: { category?: Category | null; archived?: boolean | null } & PageArgs,
  ): Promise<Connection<ConversationRow>> {
    if (viewer.id !== userId) throw forbidden('You can only read your own conversations.');
    return this.conversationPage({ userId, category: args.category, archived: args.archived }, args);
  }

  async storeConversations(
    viewer: Viewer,
    storeId: string,
    args: { archived?: boolean | null } & PageArgs,
    loaders: Loaders,
  ): Promise<Connection<ConversationRow>> {
    const store = isId(storeId) ? await loaders.store.load(storeId) : null;
    if (!store || store.ownerId !== viewer.id) throw forbidden("Only the store's owner can read its conversations.");
    // a seller's stores each with their inbox: their pages and counts are one statement each (loaders.ts)
    const n = pageSize(args.first);
    const archived = args.archived ?? null;
    const rows = await loaders.storePage.load({ storeId, archived, limit: n + 1, after: conversationAfter(args.after) });
    return connection(
      rows,
      n,
      (c) => encodeCursor({ s: c.lastSeq, i: c.id }),
      () => loaders.storeCount.load({ storeId, archived }),
    );
  }

  private async conversationPage(filter: Omit<q.ConversationFilter, 'limit' | 'after'>, args: PageArgs): Promise<Connection<ConversationRow>> {
    const n = pageSize(args.first);
    const db = this.deps.db.drizzle;
    const after = conversationAfter(args.after);
    const rows = await q.listConversations(db, { ...filter, after, limit: n + 1 });
    // counted only when the client asks for totalCount
    return connection(
      rows,
      n,
      (c) => encodeCursor({ s: c.lastSeq, i: c.id }),
      () => q.countConversations(db, { ...filter, limit: 0 }),
    );
  }

  async unreadMessageCount(viewer: Viewer, userId: string): Promise<number> {
    if (viewer.id !== userId) throw forbidden('You can only read your own unread count.');
    return q.unreadTotal(this.deps.db.drizzle, userId);
  }

  /** A page of a conversation's messages, newest first (the conversation was authorized when it was read). */
  async messagePage(c: ConversationRow, args: PageArgs, loaders: Loaders): Promise<Connection<MessageRow>> {
    const n = pageSize(args.first);
    const rows = await loaders.messagePage.load({ conversationId: c.id, limit: n + 1, beforeSeq: parseSeqCursor(args.after) });
    return connection(rows, n, (m) => String(m.seq));
  }

  // ───────────── one side's view ─────────────

  private async reload(id: string): Promise<{ conversation: ConversationRow }> {
    const [c] = await q.conversationsByIds(this.deps.db.drizzle, [id]);
    return { conversation: c };
  }

  async markRead(viewer: Viewer, conversationId: string): Promise<{ conversation: ConversationRow }> {
    const { c, side } = await ownSide(this.deps.db.drizzle, viewer, conversationId);
    await this.deps.db.drizzle.transaction((tx) => q.markRead(tx, c.id, side));
    return this.reload(c.id);
  }

  async setArchived(viewer: Viewer, conversationId: string, archived: boolean): Promise<{ conversation: ConversationRow }> {
    const { c, side } = await ownSide(this.deps.db.drizzle, viewer, conversationId);
    await q.setArchived(this.deps.db.drizzle, c.id, side, archived);
    return this.reload(c.id);
  }
}
