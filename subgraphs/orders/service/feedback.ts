/**
 * Feedback (docs/orders.md, "Feedback"): the buyer leaves it once (the transition
 * FEEDBACK_REQUIRED → COMPLETED, with per-line ratings and photos), edits it once
 * within FEEDBACK_EDIT_WINDOW_S, the seller replies once; Manage Feedback lists it.
 * Each change is one conditional statement, so racing calls change it once.
 * Ratings are computed from the rows when read (exact averages, nothing cached).
 */
import { z } from 'zod';
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { isId, pageSize } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isHttpUrl, validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import type { FeedbackRow, OrderRow } from '../db/queries/index.ts';
import type { Loaders } from '../loaders.ts';
import { publishNotice } from './common.ts';
import { FeedbackReply } from './inputs.ts';
import type { LifecycleService } from './lifecycle.ts';
import { keysetCursor, parseKeyset } from './orders.ts';

const rating = (name: string) =>
  z
    .number({ message: `${name} must be between 1 and 5.` })
    .int(`${name} must be between 1 and 5.`)
    .min(1, `${name} must be between 1 and 5.`)
    .max(5, `${name} must be between 1 and 5.`);

const Input = z.object({
  productRating: rating('productRating'),
  shippingRating: rating('shippingRating'),
  communicationRating: rating('communicationRating'),
  comment: z
    .string()
    .trim()
    .max(2000, 'The comment is at most 2000 characters.')
    .nullish()
    .transform((c) => (c ? c : null)),
  asDescribedRating: rating('asDescribedRating')
    .nullish()
    .transform((v) => v ?? null),
  lineRatings: z
    .array(z.object({ orderLineId: z.string().refine(isId, 'No such line in this order.'), rating: rating('rating') }))
    .max(100, 'At most 100 line ratings.')
    .nullish()
    .transform((v) => v ?? []),
  photoUrls: z
    .array(z.string().trim().max(2000, 'A photo URL is at most 2000 characters.').refine(isHttpUrl, 'A photo URL is an http or https address.'))
    .max(5, 'At most 5 photos.')
    .nullish()
    .transform((v) => v ?? []),
});

export type FeedbackInput = z.input<typeof Input>;
type Valid = z.output<typeof Input>;

export class FeedbackService {
  constructor(
    private readonly deps: SubgraphDeps,
    private readonly lifecycle: LifecycleService,
  ) {}

  async leaveFeedback(viewer: Viewer, orderId: string, input: FeedbackInput): Promise<OrderRow> {
    const order = await this.lifecycle.own(viewer, orderId, 'buyer');
    const f = validInput(Input, input, { field: ['input'] });
    const lines = await this.lineRatings(order, f);
    return this.lifecycle.act(viewer, orderId, 'buyer', { from: ['FEEDBACK_REQUIRED'], to: 'COMPLETED' }, 'Feedback left by the buyer', async (tx, row) => {
      await q.insertFeedback(tx, {
        orderId: row.id,
        buyerId: row.buyerId,
        storeId: order.storeId,
        productRating: f.productRating,
        shippingRating: f.shippingRating,
        communicationRating: f.communicationRating,
        comment: f.comment,
        asDescribedRating: f.asDescribedRating,
        photoUrls: f.photoUrls,
        at: this.deps.clock.now(),
      });
      await q.insertFeedbackLines(tx, lines);
    });
  }

  async editFeedback(viewer: Viewer, orderId: string, input: FeedbackInput): Promise<OrderRow> {
    const order = await this.lifecycle.own(viewer, orderId, 'buyer');
    const f = validInput(Input, input, { field: ['input'] });
    const lines = await this.lineRatings(order, f);
    const now = this.deps.clock.now();
    const windowS = this.deps.config.orderClock.feedbackEditWindowS;
    const since = new Date(now.getTime() - windowS * 1000);
    await this.deps.db.drizzle.transaction(async (tx) => {
      const edited = await q.editFeedback(tx, orderId, viewer.id, since, {
        productRating: f.productRating,
        shippingRating: f.shippingRating,
        communicationRating: f.communicationRating,
        comment: f.comment,
        asDescribedRating: f.asDescribedRating,
        photoUrls: f.photoUrls,
        at: now,
      });
      if (!edited) {
        const [current] = await q.feedbackByOrderIds(tx, [orderId]);
        if (!current) fail('INVALID_STATE', 'There is no feedback on this order to edit.', ['orderId']);
        if (current.editedAt) fail('INVALID_STATE', 'Feedback can be edited once; it already was.', ['orderId']);
        fail('INVALID_STATE', `Feedback can be edited within ${Math.round(windowS / 86400)} days of leaving it.`, ['orderId']);
      }
      await q.replaceFeedbackLines(tx, orderId, lines);
    });
    return order;
  }

  async replyToFeedback(viewer: Viewer, orderId: string, text: string): Promise<OrderRow> {
    const order = await this.lifecycle.own(viewer, orderId, 'seller');
    const reply = validInput(FeedbackReply, text, { field: ['text'] });
    const now = this.deps.clock.now();
    await this.deps.db.drizzle.transaction(async (tx) => {
      if (!(await q.replyToFeedback(tx, orderId, reply, now))) {
        const [current] = await q.feedbackByOrderIds(tx, [orderId]);
        fail('INVALID_STATE', current ? 'The feedback already has your reply.' : 'There is no feedback on this order to reply to.', ['orderId']);
      }
      await publishNotice(tx, order, 'The seller replied to the feedback', now, 'the seller replied to your feedback');
    });
    return order;
  }

  /** The rows of `lineRatings`: each a line of the order, once. */
  private async lineRatings(order: OrderRow, f: Valid): Promise<q.FeedbackLineRow[]> {
    if (!f.lineRatings.length) return [];
    const own = new Map((await q.linesByOrderIds(this.deps.db.drizzle, [order.id])).map((l) => [l.id, l]));
    const seen = new Set<string>();
    return f.lineRatings.map((r, i) => {
      const line = own.get(r.orderLineId);
      if (!line) fail('INVALID_INPUT', 'No such line in this order.', ['input', 'lineRatings', String(i), 'orderLineId']);
      if (seen.has(line.id)) fail('INVALID_INPUT', 'Each line is rated at most once.', ['input', 'lineRatings', String(i), 'orderLineId']);
      seen.add(line.id);
      return { orderLineId: line.id, orderId: order.id, productId: line.productId, rating: r.rating };
    });
  }

  /** Manage Feedback: the viewer's own feedback, newest first. */
  async feedbackGiven(
    viewer: Viewer,
    userId: string,
    args: { first?: number | null; after?: string | null },
    loaders: Loaders,
  ): Promise<Connection<FeedbackRow>> {
    if (viewer.id !== userId) throw forbidden('You can only see your own feedback.');
    const limit = pageSize(args.first);
    const before = parseKeyset(args.after);
    const rows = limit === 0 ? [] : await q.feedbackPageOfBuyer(this.deps.db.drizzle, userId, before, limit + 1);
    return connection(rows, limit, keysetCursor, () => loaders.feedbackCount.load(userId));
  }

  async feedbackCount(viewer: Viewer, userId: string, loaders: Loaders): Promise<number> {
    if (viewer.id !== userId) throw forbidden('You can only see your own feedback.');
    return loaders.feedbackCount.load(userId);
  }
}
