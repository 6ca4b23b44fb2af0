/** Reads of orders, lines, history, feedback and reviews; account deactivation. */
import { and, count, desc, eq, getTableColumns, inArray, lte, sql, sum, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { anyOf, arrayParam, prepared, preparedRaw, preparedShapes } from '../../../../platform/prepared.ts';
import { feedback, orderLines, orders, statusHistory } from '../schema.ts';
import { mapFeedback, toOrder, type FeedbackRow, type HistoryRow, type LineRow, type OrderRow, type OrderStatus } from './rows.ts';

export async function ordersByIds(db: Executor, ids: string[]): Promise<OrderRow[]> {
  if (!ids.length) return [];
  return (await db.select().from(orders).where(inArray(orders.id, ids))).map(toOrder);
}

// prepared (platform/prepared.ts): the dashboard's orders page (with its lines), lines by order and counts, a product page's reviews
const linesByOrderIdsQuery = prepared('orders_lines_by_order_ids', (db) =>
  db.select().from(orderLines).where(anyOf(orderLines.orderId, 'ids')).orderBy(orderLines.orderId, orderLines.position),
);

export async function linesByOrderIds(db: Executor, ids: string[]): Promise<LineRow[]> {
  if (!ids.length) return [];
  const rows = await linesByOrderIdsQuery(db, { ids: arrayParam(ids) });
  return rows.map((r) => ({ ...r, options: r.options as LineRow['options'] }));
}

export async function historyByOrderIds(db: Executor, ids: string[]): Promise<HistoryRow[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ orderId: statusHistory.orderId, status: statusHistory.status, at: statusHistory.at, reason: statusHistory.reason })
    .from(statusHistory)
    .where(inArray(statusHistory.orderId, ids))
    .orderBy(statusHistory.seq);
  return rows.map((r) => ({ ...r, status: r.status as OrderStatus }));
}

export async function feedbackByOrderIds(db: Executor, ids: string[]): Promise<FeedbackRow[]> {
  if (!ids.length) return [];
  return db.select().from(feedback).where(inArray(feedback.orderId, ids));
}

/** Which orders a list holds (a count counts exactly these). */
export interface OrderListFilter {
  buyerId?: string;
  storeId?: string;
  status?: OrderStatus | null;
}

export interface OrderPageFilter extends OrderListFilter {
  /** Keyset: orders strictly older than this (createdAt, id). */
  before?: { createdAt: string; id: string } | null;
  limit: number;
  /** Read each order's lines with the page (a page that shows them). */
  lines?: boolean;
}

/** A page's statement shape: which of the filter's conditions it has (b buyer, s store, t status, k keyset), and l: with the lines. */
type OrderPageShape = `${'b' | ''}${'s' | ''}${'t' | ''}${'k' | ''}${'l' | ''}`;

/**
 * An order's lines as one JSON array (by position, as linesByOrderIds reads them): the
 * order's row carries them. Raw SQL with the outer row named in full (the builder writes
 * a one-table statement's columns unqualified, which the subquery would take as its own).
 */
const linesJson = sql.raw(`(select coalesce(json_agg(json_build_object(
  'id', l.id, 'orderId', l.order_id, 'productId', l.product_id, 'variantId', l.variant_id, 'title', l.title, 'options', l.options,
  'quantity', l.quantity, 'unitPrice', l.unit_price, 'subtotal', l.subtotal) order by l.position), '[]'::json)
  from orders.order_lines l where l.order_id = "orders"."orders"."id")`);

const orderPageQuery = preparedShapes('orders_order_page', (db, shape: OrderPageShape) =>
  db
    .select({ ...getTableColumns(orders), lines: shape.includes('l') ? linesJson : sql<unknown>`null` })
    .from(orders)
    .where(
      and(
        shape.includes('b') ? eq(orders.buyerId, sql.placeholder('buyerId')) : undefined,
        shape.includes('s') ? eq(orders.storeId, sql.placeholder('storeId')) : undefined,
        shape.includes('t') ? eq(orders.status, sql.placeholder('status')) : undefined,
        // a row-value comparison (the index's order), which the builder's operators do not express
        shape.includes('k')
          ? sql`(${orders.createdAt}, ${orders.id}) < (${sql.placeholder('beforeAt')}::timestamptz, ${sql.placeholder('beforeId')}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(sql.placeholder('limit')),
);

/** A page of orders; with `lines` asked for, each order's lines (by order id). */
export interface OrderPage {
  orders: OrderRow[];
  lines: Map<string, LineRow[]> | null;
}

/** Newest first; `limit` rows at most. */
export async function orderPage(db: Executor, f: OrderPageFilter): Promise<OrderPage> {
  const shape = `${f.buyerId ? 'b' : ''}${f.storeId ? 's' : ''}${f.status ? 't' : ''}${f.before ? 'k' : ''}${f.lines ? 'l' : ''}` as OrderPageShape;
  const rows = await orderPageQuery(db, shape, {
    buyerId: f.buyerId,
    storeId: f.storeId,
    status: f.status,
    beforeAt: f.before?.createdAt,
    beforeId: f.before?.id,
    limit: f.limit,
  });
  const lines = f.lines ? new Map<string, LineRow[]>() : null;
  const page = rows.map(({ lines: own, ...row }) => {
    lines?.set(row.id, typeof own === 'string' ? (JSON.parse(own) as LineRow[]) : (own as LineRow[]));
    return toOrder(row);
  });
  return { orders: page, lines };
}

/**
 * A page of each of several stores' orders (Store.orders for many stores), newest first,
 * in one statement: at most `limit` rows per store, strictly older than `before`.
 */
export async function storeOrderPages(db: Executor, storeIds: string[], f: Omit<OrderPageFilter, 'buyerId' | 'storeId'>): Promise<OrderRow[]> {
  if (!storeIds.length) return [];
  // a row-value keyset and a per-store window (row_number over partition), which the builder's operators do not express
  const after = f.before ? sql`(${orders.createdAt}, ${orders.id}) < (${f.before.createdAt}::timestamptz, ${f.before.id}::uuid)` : undefined;
  const rank = sql<number>`row_number() over (partition by ${orders.storeId} order by ${orders.createdAt} desc, ${orders.id} desc)`;
  const ranked = db
    .select({ id: orders.id, rank: rank.as('rank') })
    .from(orders)
    .where(and(inArray(orders.storeId, storeIds), f.status ? eq(orders.status, f.status) : undefined, after))
    .as('ranked');
  const rows = await db
    .select()
    .from(orders)
    .where(inArray(orders.id, db.select({ id: ranked.id }).from(ranked).where(lte(ranked.rank, f.limit))))
    .orderBy(desc(orders.createdAt), desc(orders.id));
  return rows.map(toOrder);
}

/** Per status counts and totals (cents) of several stores' orders, in one statement (statuses without orders are absent). */
export async function storeStatusTotals(db: Executor, storeIds: string[]): Promise<{ storeId: string; status: OrderStatus; count: number; total: number }[]> {
  if (!storeIds.length) return [];
  const rows = await db
    .select({ storeId: orders.storeId, status: orders.status, count: count(), total: sum(orders.total) })
    .from(orders)
    .where(inArray(orders.storeId, storeIds))
    .groupBy(orders.storeId, orders.status);
  return rows.map((r) => ({ storeId: r.storeId, status: r.status as OrderStatus, count: Number(r.count), total: Number(r.total ?? 0) }));
}

/** Per status counts of several buyers' orders, in one statement (statuses without orders are absent). */
const countsByStatusQuery = prepared('orders_counts_by_status', (db) =>
  db
    .select({ buyerId: orders.buyerId, status: orders.status, count: count() })
    .from(orders)
    .where(anyOf(orders.buyerId, 'ids'))
    .groupBy(orders.buyerId, orders.status),
);

export async function countsByStatus(db: Executor, buyerIds: string[]): Promise<{ buyerId: string; status: OrderStatus; count: number }[]> {
  if (!buyerIds.length) return [];
  const rows = await countsByStatusQuery(db, { ids: arrayParam(buyerIds) });
  return rows.map((r) => ({ ...r, status: r.status as OrderStatus }));
}

export async function pendingOrderCount(db: Executor, buyerId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(orders)
    .where(and(eq(orders.buyerId, buyerId), inArray(orders.status, ['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED', 'UNCONFIRMED_DELIVERY', 'DISPUTED'])));
  return row?.n ?? 0;
}

/** Owners of stores we have orders for (seller captured at checkout). */
export async function sellersOfStores(db: Executor, storeIds: string[]): Promise<{ storeId: string; sellerId: string }[]> {
  if (!storeIds.length) return [];
  return db
    .selectDistinctOn([orders.storeId], { storeId: orders.storeId, sellerId: orders.sellerId })
    .from(orders)
    .where(inArray(orders.storeId, storeIds))
    .orderBy(orders.storeId, desc(orders.createdAt));
}

/**
 * The reviews of products: one per (product, order with feedback); its rating is the
 * product's first rated line in that order (feedback_lines), else the feedback's
 * productRating. A CTE over a DISTINCT ON (raw SQL: the builder does not say DISTINCT ON
 * with this ordering inside a CTE).
 */
const reviewedCte = sql`reviewed as (
        select distinct on (l.product_id, f.id) l.product_id, f.*, coalesce(fl.rating, f.product_rating) as review_rating
        from orders.order_lines l
        join orders.feedback f on f.order_id = l.order_id
        left join orders.feedback_lines fl on fl.order_line_id = l.id
        where l.product_id = any(${sql.placeholder('ids')}::uuid[])
        order by l.product_id, f.id, (fl.rating is null), l.position
      )`;

const productRatingsQuery = preparedRaw(
  'orders_product_ratings',
  sql`with ${reviewedCte}
      select product_id, avg(review_rating)::float8 as rating, count(*) as review_count from reviewed group by product_id`,
);

/** Products' ratings (exact averages of their reviews' ratings) and review counts. */
export async function productRatings(db: Executor, productIds: string[]): Promise<{ productId: string; rating: number; count: number }[]> {
  if (!productIds.length) return [];
  const rows = await productRatingsQuery(db, { ids: arrayParam(productIds) });
  return rows.map((r) => ({ productId: String(r.product_id), rating: Number(r.rating), count: Number(r.review_count) }));
}

const storeRatingsQuery = prepared('orders_store_ratings', (db) =>
  db
    .select({ storeId: feedback.storeId, rating: sql<number>`avg(${feedback.productRating})::float8`.mapWith(Number) })
    .from(feedback)
    .where(anyOf(feedback.storeId, 'ids'))
    .groupBy(feedback.storeId),
);

export async function storeRatings(db: Executor, storeIds: string[]): Promise<{ storeId: string; rating: number }[]> {
  if (!storeIds.length) return [];
  return storeRatingsQuery(db, { ids: arrayParam(storeIds) });
}

/**
 * A CTE with a window function (row_number per product) and a left join of the page onto the stats: raw SQL.
 * One row per (product, review on the page); a product whose page is empty keeps one row with null review columns.
 */
const reviewPagesSql = (after: SQL) =>
  sql`with ${reviewedCte}, stats as (
        select product_id, avg(review_rating)::float8 as rating, count(*) as review_count from reviewed group by product_id
      ), page as (
        select * from (
          select r.*, row_number() over (partition by r.product_id order by r.created_at desc, r.id desc) as rn
          from reviewed r${after}
        ) y where rn <= ${sql.placeholder('limit')}
      )
      select * from stats left join page using (product_id) order by product_id, created_at desc, id desc`;
const reviewPagesFirst = preparedRaw('orders_review_pages', reviewPagesSql(sql``));
const reviewPagesAfter = preparedRaw(
  'orders_review_pages_after',
  reviewPagesSql(sql` where (r.created_at, r.id) < (${sql.placeholder('beforeAt')}::timestamptz, ${sql.placeholder('beforeId')}::uuid)`),
);

export interface ReviewRow extends FeedbackRow {
  productId: string;
  /** This product's rating in that order (its first rated line, else productRating). */
  rating: number;
}

/**
 * Newest reviews of several products, at most `limit` each, strictly after the
 * keyset cursor, together with each product's rating and review count over all
 * its reviews (the cursor does not narrow those): one statement. Products
 * without any review are in neither list.
 */
export async function reviewPages(
  db: Executor,
  productIds: string[],
  limit: number,
  before: { createdAt: string; id: string } | null,
): Promise<{ stats: { productId: string; rating: number; count: number }[]; reviews: ReviewRow[] }> {
  if (!productIds.length) return { stats: [], reviews: [] };
  const rows = await (before ? reviewPagesAfter : reviewPagesFirst)(db, {
    ids: arrayParam(productIds),
    limit,
    beforeAt: before?.createdAt,
    beforeId: before?.id,
  });
  const stats = new Map<string, { productId: string; rating: number; count: number }>();
  const reviews: ReviewRow[] = [];
  for (const r of rows) {
    const productId = String(r.product_id);
    if (!stats.has(productId)) stats.set(productId, { productId, rating: Number(r.rating), count: Number(r.review_count) });
    if (r.id !== null && r.id !== undefined) reviews.push({ ...mapFeedback(r), productId, rating: Number(r.review_rating) });
  }
  return { stats: [...stats.values()], reviews };
}

// ───────────────────────────── account deactivation ─────────────────────────────

export async function anonymizeBuyer(tx: Executor, buyerId: string): Promise<void> {
  await tx
    .update(orders)
    .set({ recipientName: 'Deleted user', phone: '', country: '', province: '', city: '', street: '', postalCode: '' })
    .where(eq(orders.buyerId, buyerId));
}
