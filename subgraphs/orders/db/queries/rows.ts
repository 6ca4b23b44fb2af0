/** The orders subgraph's row types and the value helpers its statements share. */
import { sql, type SQL } from 'drizzle-orm';
import type { feedback, orderLines, orders, statusHistory } from '../schema.ts';

export const STATUSES = [
  'PAYMENT_REQUIRED',
  'SHIPMENT_REQUIRED',
  'UNCONFIRMED_DELIVERY',
  'FEEDBACK_REQUIRED',
  'COMPLETED',
  'CANCELLED',
  'DISPUTED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof STATUSES)[number];

type OrderRecord = typeof orders.$inferSelect;

/** An order as the services and resolvers see it: its row, with the status typed. */
export type OrderRow = Omit<OrderRecord, 'status' | 'previousStatus' | 'statusBeforeDispute'> & {
  __typename: 'Order';
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  statusBeforeDispute: OrderStatus | null;
};

export const toOrder = (r: OrderRecord): OrderRow => ({
  __typename: 'Order',
  ...r,
  status: r.status as OrderStatus,
  previousStatus: r.previousStatus as OrderStatus | null,
  statusBeforeDispute: r.statusBeforeDispute as OrderStatus | null,
});

export type LineRow = Omit<typeof orderLines.$inferSelect, 'position' | 'options'> & { options: { name: string; value: string }[] };

export type HistoryRow = Omit<typeof statusHistory.$inferSelect, 'seq' | 'status'> & { status: OrderStatus };

export type FeedbackRow = Omit<typeof feedback.$inferSelect, 'storeId'>;

// ───────────────────────────── for the statements the builder cannot say ─────────────────────────────

/** A row of a raw statement (snake_case columns, values as the driver gives them). */
export type Raw = Record<string, unknown>;

/** A timestamp from a raw row (a Date on PGlite, a string on postgres.js). */
function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(s.includes('T') ? s : s.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

export const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;

export function mapFeedback(r: Raw): FeedbackRow {
  return {
    id: String(r.id),
    orderId: String(r.order_id),
    buyerId: String(r.buyer_id),
    productRating: Number(r.product_rating),
    shippingRating: Number(r.shipping_rating),
    communicationRating: Number(r.communication_rating),
    comment: (r.comment ?? null) as string | null,
    asDescribedRating: r.as_described_rating === null || r.as_described_rating === undefined ? null : Number(r.as_described_rating),
    photoUrls: Array.isArray(r.photo_urls) ? r.photo_urls.map(String) : [],
    createdAt: toDate(r.created_at),
    editedAt: r.edited_at ? toDate(r.edited_at) : null,
    replyText: (r.reply_text ?? null) as string | null,
    replyAt: r.reply_at ? toDate(r.reply_at) : null,
  };
}
