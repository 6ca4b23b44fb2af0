/** Thin resolvers of the messaging subgraph: arguments in, service or loader call, result out. */
import { payload } from '../../platform/errors.ts';
import { DateTime } from '../../platform/scalars.ts';
import type { ConversationRow, MessageRow } from './db/queries.ts';
import type { MessagingContext } from './server.ts';
import { SYSTEM_SENDER_NAME, requireViewer, sideOf } from './service.ts';
import type { SendMessageInput } from './service/validate.ts';

type Ctx = MessagingContext;
type Ref = { id: string };
type PageArgs = { first?: number | null; after?: string | null };

const noConversation = { conversation: null };

export const resolvers = {
  DateTime,
  Query: {
    conversation: (_: unknown, { id }: { id: string }, ctx: Ctx) => {
      requireViewer(ctx.viewer);
      return ctx.service.conversationFor(ctx.viewer, id, ctx.loaders);
    },
  },
  Mutation: {
    sendMessage: (_: unknown, { input }: { input: SendMessageInput }, ctx: Ctx) =>
      payload({ message: null as MessageRow | null }, () => ctx.service.sendMessage(ctx.viewer, input)),
    markConversationRead: (_: unknown, { conversationId }: { conversationId: string }, ctx: Ctx) =>
      payload<{ conversation: ConversationRow | null }>(noConversation, () => ctx.service.markRead(ctx.viewer, conversationId)),
    archiveConversation: (_: unknown, { conversationId }: { conversationId: string }, ctx: Ctx) =>
      payload<{ conversation: ConversationRow | null }>(noConversation, () => ctx.service.setArchived(ctx.viewer, conversationId, true)),
    unarchiveConversation: (_: unknown, { conversationId }: { conversationId: string }, ctx: Ctx) =>
      payload<{ conversation: ConversationRow | null }>(noConversation, () => ctx.service.setArchived(ctx.viewer, conversationId, false)),
    reportConversation: (_: unknown, { conversationId, reason }: { conversationId: string; reason: string }, ctx: Ctx) =>
      payload<{ conversation: ConversationRow | null }>(noConversation, () => ctx.service.report(ctx.viewer, conversationId, reason)),
  },
  Subscription: {
    messageAdded: {
      subscribe: (_: unknown, args: { conversationId?: string | null; after?: string | null }, ctx: Ctx) =>
        // each event: current data, read once for every subscriber of that event
        ctx.service.messageAdded(ctx.viewer, args, (seq) => (ctx.loaders = ctx.eventLoaders(seq))),
      resolve: (m: MessageRow) => m,
    },
  },
  User: {
    __resolveReference: (ref: Ref) => ({ id: ref.id }),
    conversations: (u: Ref, args: { category?: ConversationRow['category'] | null; archived?: boolean | null } & PageArgs, ctx: Ctx) =>
      ctx.service.userConversations(ctx.viewer, u.id, args as never),
    unreadMessageCount: (u: Ref, _: unknown, ctx: Ctx) => ctx.service.unreadMessageCount(ctx.viewer, u.id),
  },
  Store: {
    __resolveReference: (ref: Ref) => ({ id: ref.id }),
    conversations: (s: Ref, args: { archived?: boolean | null } & PageArgs, ctx: Ctx) =>
      ctx.service.storeConversations(ctx.viewer, s.id, args, ctx.loaders),
  },
  Order: {
    __resolveReference: (ref: Ref) => ({ id: ref.id }),
    conversation: (o: Ref, _: unknown, ctx: Ctx) => ctx.service.orderConversation(ctx.viewer, o.id, ctx.loaders),
  },
  Conversation: {
    __resolveReference: (ref: Ref, ctx: Ctx) => ctx.service.conversationFor(ctx.viewer, ref.id, ctx.loaders),
    store: (c: ConversationRow) => (c.storeId ? { id: c.storeId } : null),
    order: (c: ConversationRow) => (c.orderId ? { id: c.orderId } : null),
    lastMessage: (c: ConversationRow, _: unknown, ctx: Ctx) => (c.lastMessageId ? ctx.loaders.message.load(c.lastMessageId) : null),
    unreadCount: (c: ConversationRow, _: unknown, ctx: Ctx) => {
      const side = sideOf(c, ctx.viewer?.id);
      return side === 'BUYER' ? c.buyerUnread : side === 'SELLER' ? c.sellerUnread : 0;
    },
    archived: (c: ConversationRow, _: unknown, ctx: Ctx) => {
      const side = sideOf(c, ctx.viewer?.id);
      return side === 'BUYER' ? c.buyerArchived : side === 'SELLER' ? c.sellerArchived : false;
    },
    messages: (c: ConversationRow, args: PageArgs, ctx: Ctx) => ctx.service.messagePage(c, args, ctx.loaders),
  },
  Message: {
    __resolveReference: (ref: Ref, ctx: Ctx) => ctx.service.messageFor(ctx.viewer, ref.id, ctx.loaders),
    cursor: (m: MessageRow) => String(m.seq ?? 0),
    conversation: (m: MessageRow, _: unknown, ctx: Ctx) => ctx.loaders.conversation.load(m.conversationId),
    senderName: async (m: MessageRow, _: unknown, ctx: Ctx) => {
      if (m.senderRole === 'SYSTEM') return SYSTEM_SENDER_NAME;
      if (m.senderRole === 'BUYER') return m.senderId ? ctx.loaders.fullName.load(m.senderId) : 'Deleted user';
      const c = await ctx.loaders.conversation.load(m.conversationId);
      const store = c?.storeId ? await ctx.loaders.store.load(c.storeId) : null;
      return store?.name ?? 'Store';
    },
    attachments: (m: MessageRow) => (Array.isArray(m.attachments) ? m.attachments : []),
    read: async (m: MessageRow, _: unknown, ctx: Ctx) => {
      const c = await ctx.loaders.conversation.load(m.conversationId);
      const side = c ? sideOf(c, ctx.viewer?.id) : null;
      return side === 'BUYER' ? m.readByBuyer : side === 'SELLER' ? m.readBySeller : false;
    },
  },
};
