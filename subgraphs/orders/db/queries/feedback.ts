/** Feedback beyond leaving it: per-line ratings, the buyer's one edit, the seller's one reply, Manage Feedback. */
import { and, count, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { feedback, feedbackLines } from '../schema.ts';
import type { FeedbackRow } from './rows.ts';

export type FeedbackLineRow = typeof feedbackLines.$inferSelect;

export async function insertFeedbackLines(tx: Executor, rows: FeedbackLineRow[]): Promise<void> {
  if (rows.length) await tx.insert(feedbackLines).values(rows);
}

export async function feedbackLinesByOrderIds(db: Executor, orderIds: string[]): Promise<FeedbackLineRow[]> {
  if (!orderIds.length) return [];
  return db.select().from(feedbackLines).where(inArray(feedbackLines.orderId, orderIds));
}

/**
 * The buyer's one edit: only if not edited yet and left after `since` (the edit window).
 * One statement; false when it did not apply.
 */
export async function editFeedback(
  tx: Executor,
  orderId: string,
  buyerId: string,
  since: Date,
  f: {
    productRating: number;
    shippingRating: number;
    communicationRating: number;
    comment: string | null;
    asDescribedRating: number | null;
    photoUrls: string[];
    at: Date;
  },
): Promise<boolean> {
  const { at, ...values } = f;
  const rows = await tx
    .update(feedback)
    .set({ ...values, editedAt: at })
    .where(and(eq(feedback.orderId, orderId), eq(feedback.buyerId, buyerId), isNull(feedback.editedAt), gt(feedback.createdAt, since)))
    .returning({ id: feedback.id });
  return rows.length > 0;
}

export async function replaceFeedbackLines(tx: Executor, orderId: string, rows: FeedbackLineRow[]): Promise<void> {
  await tx.delete(feedbackLines).where(eq(feedbackLines.orderId, orderId));
  await insertFeedbackLines(tx, rows);
}

/** The seller's one reply; false when there is no feedback or it already has a reply. */
export async function replyToFeedback(tx: Executor, orderId: string, text: string, at: Date): Promise<boolean> {
  const rows = await tx
    .update(feedback)
    .set({ replyText: text, replyAt: at })
    .where(and(eq(feedback.orderId, orderId), isNull(feedback.replyAt)))
    .returning({ id: feedback.id });
  return rows.length > 0;
}

/** Manage Feedback: the buyer's feedback, newest first, strictly older than the keyset. */
export async function feedbackPageOfBuyer(
  db: Executor,
  buyerId: string,
  before: { createdAt: string; id: string } | null,
  limit: number,
): Promise<FeedbackRow[]> {
  // a row-value comparison (the index's order), which the builder's operators do not express
  const older = before ? sql`(${feedback.createdAt}, ${feedback.id}) < (${before.createdAt}::timestamptz, ${before.id}::uuid)` : undefined;
  return db
    .select()
    .from(feedback)
    .where(and(eq(feedback.buyerId, buyerId), older))
    .orderBy(desc(feedback.createdAt), desc(feedback.id))
    .limit(limit);
}

/** How many feedbacks each buyer left (buyers without any are absent). */
export async function feedbackCounts(db: Executor, buyerIds: string[]): Promise<{ buyerId: string; count: number }[]> {
  if (!buyerIds.length) return [];
  return db.select({ buyerId: feedback.buyerId, count: count() }).from(feedback).where(inArray(feedback.buyerId, buyerIds)).groupBy(feedback.buyerId);
}
