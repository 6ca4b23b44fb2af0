/**
 * Thin resolvers of after-sales: disputes, refunds and feedback (merged into
 * resolvers.ts). A Dispute's parent is its order's row (a dispute lives on the order).
 */
import { authed, type SignedIn } from '../../platform/context.ts';
import { payload } from '../../platform/errors.ts';
import { money } from '../../platform/scalars.ts';
import type { OrdersContext } from './context.ts';
import type { DisputeLineRecord, DisputeStatus, FeedbackRow, LineRow, OrderRow, RefundRow, ReviewRow } from './db/queries/index.ts';
import type { DisputeLineInput } from './service/disputes.ts';
import type { FeedbackInput } from './service/feedback.ts';

type Ctx = OrdersContext;
type In = SignedIn<Ctx>;
type Page = { first?: number | null; after?: string | null };

const orderPayload = (work: () => Promise<OrderRow>) => payload({ order: null as OrderRow | null }, async () => ({ order: await work() }));

/** An order's line by id (the order's lines are one loader call). */
async function lineOf(ctx: Ctx, orderId: string, lineId: string): Promise<LineRow> {
  const line = (await ctx.loaders.linesByOrder.load(orderId)).find((l) => l.id === lineId);
  if (!line) throw new Error('order line vanished');
  return line;
}

/** An Order parent: a loaded row, or a bare reference (a subscription event). */
type OrderParent = OrderRow | { __typename: 'Order'; id: string };
async function row(o: OrderParent, ctx: Ctx): Promise<OrderRow> {
  const r = 'number' in o ? o : await ctx.loaders.orderById.load(o.id);
  if (!r) throw new Error('order vanished');
  return r;
}

const reply = (f: FeedbackRow) => (f.replyText && f.replyAt ? { text: f.replyText, at: f.replyAt } : null);

export const aftersalesResolvers = {
  Query: {
    disputes: authed((_: unknown, a: Page & { status?: DisputeStatus | null }, ctx: In) => ctx.service.disputes.disputes(ctx.viewer, a)),
  },

  Mutation: {
    leaveFeedback: authed((_: unknown, a: { orderId: string; input: FeedbackInput }, ctx: In) =>
      orderPayload(() => ctx.service.feedback.leaveFeedback(ctx.viewer, a.orderId, a.input)),
    ),
    editFeedback: authed((_: unknown, a: { orderId: string; input: FeedbackInput }, ctx: In) =>
      orderPayload(() => ctx.service.feedback.editFeedback(ctx.viewer, a.orderId, a.input)),
    ),
    replyToFeedback: authed((_: unknown, a: { orderId: string; text: string }, ctx: In) =>
      orderPayload(() => ctx.service.feedback.replyToFeedback(ctx.viewer, a.orderId, a.text)),
    ),
    openDispute: authed((_: unknown, a: { orderId: string; reason: string; description: string; lines?: DisputeLineInput[] | null }, ctx: In) =>
      orderPayload(() => ctx.service.disputes.openDispute(ctx.viewer, a.orderId, a.reason, a.description, a.lines)),
    ),
    resolveDispute: authed((_: unknown, a: { orderId: string; refund: boolean; amount?: string | null }, ctx: In) =>
      orderPayload(() => ctx.service.disputes.resolveDispute(ctx.viewer, a.orderId, a.refund, a.amount)),
    ),
    escalateDispute: authed((_: unknown, a: { orderId: string }, ctx: In) => orderPayload(() => ctx.service.disputes.escalateDispute(ctx.viewer, a.orderId))),
    arbitrateDispute: authed((_: unknown, a: { orderId: string; refundAmount: string; note?: string | null }, ctx: In) =>
      orderPayload(() => ctx.service.disputes.arbitrateDispute(ctx.viewer, a.orderId, a.refundAmount, a.note)),
    ),
  },

  User: {
    feedbackGiven: authed((u: { id: string }, a: Page, ctx: In) => ctx.service.feedback.feedbackGiven(ctx.viewer, u.id, a, ctx.loaders)),
    feedbackCount: authed((u: { id: string }, _: unknown, ctx: In) => ctx.service.feedback.feedbackCount(ctx.viewer, u.id, ctx.loaders)),
  },

  Order: {
    dispute: async (o: OrderParent, _: unknown, ctx: Ctx) => {
      const r = await row(o, ctx);
      return r.disputeOpenedAt ? r : null;
    },
    refunds: (o: OrderParent, _: unknown, ctx: Ctx) => ctx.loaders.refundsByOrder.load(o.id),
    refundedAmount: async (o: OrderParent, _: unknown, ctx: Ctx) => money((await row(o, ctx)).refundedAmount),
  },

  Refund: {
    amount: (r: RefundRow) => money(r.amount),
    at: (r: RefundRow) => r.createdAt,
    settled: (r: RefundRow) => r.providerRef !== null || r.amount === 0,
  },

  Dispute: {
    reason: (r: OrderRow) => r.disputeReason,
    description: (r: OrderRow) => r.disputeDescription,
    openedAt: (r: OrderRow) => r.disputeOpenedAt,
    resolvedAt: (r: OrderRow) => r.disputeResolvedAt,
    refunded: (r: OrderRow) => r.disputeRefunded,
    // disputes from before statuses were kept: OPEN until resolved
    status: (r: OrderRow) => r.disputeStatus ?? (r.disputeResolvedAt ? (r.disputeRefunded ? 'RESOLVED' : 'REFUSED') : 'OPEN'),
    lines: (r: OrderRow) => (r.disputeLines as DisputeLineRecord[]).map((l) => ({ ...l, orderId: r.id })),
    requestedAmount: (r: OrderRow) => money(r.disputeAmount ?? r.total),
    answerDeadline: (r: OrderRow) => r.disputeAnswerDue,
    escalatedAt: (r: OrderRow) => r.disputeEscalatedAt,
    refundAmount: (r: OrderRow) => (r.disputeRefundAmount === null ? null : money(r.disputeRefundAmount)),
    resolvedBy: (r: OrderRow) => r.disputeResolvedBy,
    note: (r: OrderRow) => r.disputeNote,
    order: (r: OrderRow) => r,
  },

  DisputeLine: {
    orderLine: (l: DisputeLineRecord & { orderId: string }, _: unknown, ctx: Ctx) => lineOf(ctx, l.orderId, l.orderLineId),
    amount: (l: DisputeLineRecord) => money(l.amount),
  },

  Feedback: {
    comment: (f: FeedbackRow) => f.comment,
    lineRatings: async (f: FeedbackRow, _: unknown, ctx: Ctx) => {
      const rated = await ctx.loaders.feedbackLinesByOrder.load(f.orderId);
      return Promise.all(rated.map(async (r) => ({ orderLine: await lineOf(ctx, f.orderId, r.orderLineId), rating: r.rating })));
    },
    photoUrls: (f: FeedbackRow) => f.photoUrls,
    reply,
    order: async (f: FeedbackRow, _: unknown, ctx: Ctx) => ctx.loaders.orderById.load(f.orderId),
  },

  Review: {
    rating: (r: ReviewRow) => r.rating,
    lineRatings: async (r: ReviewRow, _: unknown, ctx: Ctx) => {
      const [lines, rated] = await Promise.all([ctx.loaders.linesByOrder.load(r.orderId), ctx.loaders.feedbackLinesByOrder.load(r.orderId)]);
      const byLine = new Map(rated.map((x) => [x.orderLineId, x.rating]));
      return lines.filter((l) => l.productId === r.productId).map((l) => ({ orderLine: l, rating: byLine.get(l.id) ?? r.productRating }));
    },
    reply,
  },
};
