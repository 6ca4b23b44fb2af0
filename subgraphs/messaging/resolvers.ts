/** Thin resolvers of the messaging subgraph: arguments in, service or loader call, result out. */
import { authed, type SignedIn as SignedInContext } from '../../platform/context.ts';
import { payload } from '../../platform/errors.ts';
import { DateTime } from '../../platform/scalars.ts';
import type { MessagingContext } from './context.ts';
import type { Category, ConversationRow, MessageRow } from './db/queries.ts';
import { SYSTEM_SENDER_NAME, sideOf } from './service/index.ts';
import type { LiveMessage } from './service/live.ts';
import type { SendMessageInput } from './service/inputs.ts';
import type { ReportAction, ReportRow, ReportStatus } from './db/queries-reports.ts';
import { reportedParty } from './service/reports.ts';

type Ctx = MessagingContext;
/** The context of a resolver wrapped in `authed`: the viewer is present. */
type SignedIn = SignedInContext<Ctx>;
type Ref = { id: string };
type PageArgs = { first?: number | null; after?: string | null };
type ConversationPayload = { conversation: ConversationRow | null };

const noConversation: ConversationPayload = { conversation: null };

export const resolvers = {
  DateTime,
  Query: {
    conversation: authed((_: unknown, { id }: Ref, ctx: SignedIn) => ctx.service.conversations.conversationFor(ctx.viewer, id, ctx.loaders)),
    reports: authed((_: unknown, args: { status?: ReportStatus | null } & PageArgs, ctx: SignedIn) => ctx.service.reports.reports(ctx.viewer, args)),
  },
  Mutation: {
    sendMessage: authed((_: unknown, { input }: { input: SendMessageInput }, ctx: SignedIn) =>
      payload({ message: null as MessageRow | null }, () => ctx.service.messages.send(ctx.viewer, input)),
    ),
    markConversationRead: authed((_: unknown, { conversationId }: { conversationId: string }, ctx: SignedIn) =>
      payload<ConversationPayload>(noConversation, () => ctx.service.conversations.markRead(ctx.viewer, conversationId)),
    ),
    archiveConversation: authed((_: unknown, { conversationId }: { conversationId: string }, ctx: SignedIn) =>
      payload<ConversationPayload>(noConversation, () => ctx.service.conversations.setArchived(ctx.viewer, conversationId, true)),
    ),
    unarchiveConversation: authed((_: unknown, { conversationId }: { conversationId: string }, ctx: SignedIn) =>
      payload<ConversationPayload>(noConversation, () => ctx.service.conversations.setArchived(ctx.viewer, conversationId, false)),
    ),
    reportConversation: authed((_: unknown, { conversationId, reason }: { conversationId: string; reason: string }, ctx: SignedIn) =>
      payload<ConversationPayload>(noConversation, () => ctx.service.reports.report(ctx.viewer, conversationId, reason)),
    ),
    resolveReport: authed((_: unknown, a: { reportId: string; action: ReportAction; note?: string | null }, ctx: SignedIn) =>
      payload({ report: null as ReportRow | null }, () => ctx.service.reports.resolve(ctx.viewer, a.reportId, a.action, a.note)),
    ),
  },
  Subscription: {
    messageAdded: {
      subscribe: authed((_: unknown, args: { conversationId?: string | null; after?: string | null }, ctx: SignedIn) =>
        // each event: current data, read with loaders of the subscription's own
        ctx.service.live.messageAdded(ctx.viewer, args, (seq) => (ctx.loaders = ctx.eventLoaders(seq))),
      ),
      resolve: (m: LiveMessage) => m,
    },
  },
  User: {
    __resolveReference: (ref: Ref) => ({ id: ref.id }),
    conversations: authed((u: Ref, args: { category?: Category | null; archived?: boolean | null } & PageArgs, ctx: SignedIn) =>
      ctx.service.conversations.userConversations(ctx.viewer, u.id, args),
    ),
    unreadMessageCount: authed((u: Ref, _: unknown, ctx: SignedIn) => ctx.service.conversations.unreadMessageCount(ctx.viewer, u.id)),
  },
  Store: {
    __resolveReference: (ref: Ref) => ({ id: ref.id }),
    conversations: authed((s: Ref, args: { archived?: boolean | null } & PageArgs, ctx: SignedIn) =>
      ctx.service.conversations.storeConversations(ctx.viewer, s.id, args, ctx.loaders),
    ),
  },
  Order: {
    __resolveReference: (ref: Ref) => ({ id: ref.id }),
    // a guest sees no conversation (null), as for one that is not theirs
    conversation: (o: Ref, _: unknown, ctx: Ctx) => (ctx.viewer ? ctx.service.conversations.orderConversation(ctx.viewer, o.id, ctx.loaders) : null),
  },
  Conversation: {
    __resolveReference: (ref: Ref, ctx: Ctx) => (ctx.viewer ? ctx.service.conversations.conversationFor(ctx.viewer, ref.id, ctx.loaders) : null),
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
    messages: (c: ConversationRow, args: PageArgs, ctx: Ctx) => ctx.service.conversations.messagePage(c, args, ctx.loaders),
  },
  ConversationReport: {
    // reached only through the admins' reports/resolveReport
    conversation: (r: ReportRow, _: unknown, ctx: Ctx) => ctx.loaders.conversation.load(r.conversationId),
    reportedUserId: async (r: ReportRow, _: unknown, ctx: Ctx) => {
      const c = await ctx.loaders.conversation.load(r.conversationId);
      return c ? reportedParty(r, c).userId : null;
    },
    reportedStore: async (r: ReportRow, _: unknown, ctx: Ctx) => {
      const c = await ctx.loaders.conversation.load(r.conversationId);
      const storeId = c ? reportedParty(r, c).storeId : null;
      return storeId ? { id: storeId } : null;
    },
  },
  Message: {
    __resolveReference: (ref: Ref, ctx: Ctx) => (ctx.viewer ? ctx.service.conversations.messageFor(ctx.viewer, ref.id, ctx.loaders) : null),
    // the position on the bus of its message.created event: what messageAdded(after:) resumes from
    cursor: async (m: LiveMessage | MessageRow, _: unknown, ctx: Ctx) =>
      String('position' in m ? m.position : m.seq === null ? 0 : await ctx.loaders.position.load(m.seq)),
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
