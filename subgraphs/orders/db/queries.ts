/**
 * Every SQL statement of the orders subgraph. Functions take an executor (the
 * database or a transaction) and plain values; they return plain objects.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db.ts';

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

export interface OrderRow {
  __typename: 'Order';
  id: string;
  number: string;
  buyerId: string;
  storeId: string;
  sellerId: string;
  storeName: string;
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  statusBeforeDispute: OrderStatus | null;
  reservationKey: string;
  recipientName: string;
  phone: string;
  country: string;
  province: string | null;
  city: string;
  street: string;
  postalCode: string;
  shippingMethod: string;
  subtotal: number;
  shippingCost: number;
  discount: number;
  total: number;
  couponCodes: string[];
  paymentDeadline: Date | null;
  shipByDeadline: Date | null;
  deliveryDeadline: Date | null;
  feedbackDeadline: Date | null;
  trackingNumber: string | null;
  paymentId: string | null;
  disputeReason: string | null;
  disputeDescription: string | null;
  disputeOpenedAt: Date | null;
  disputeResolvedAt: Date | null;
  disputeRefunded: boolean | null;
  createdAt: Date;
}

export interface LineRow {
  id: string;
  orderId: string;
  productId: string;
  variantId: string;
  title: string;
  options: { name: string; value: string }[];
  quantity: number;
  unitPrice: number;
  subtotal: number;
}

export interface HistoryRow {
  orderId: string;
  status: OrderStatus;
  at: Date;
  reason: string | null;
}

export interface FeedbackRow {
  id: string;
  orderId: string;
  buyerId: string;
  productRating: number;
  shippingRating: number;
  communicationRating: number;
  comment: string | null;
  createdAt: Date;
}

// ───────────────────────────── value helpers ─────────────────────────────

type Raw = Record<string, unknown>;

export function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(s.includes('T') ? s : s.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}
const toDateOrNull = (v: unknown) => (v === null || v === undefined ? null : toDate(v));

function toArray(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((s) => s.replace(/^"|"$/g, ''));
  return [];
}

const iso = (d: Date) => d.toISOString();
const ts = (d: Date): SQL => sql`${iso(d)}::timestamptz`;
const uuidList = (ids: string[]): SQL => sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
const textArray = (values: string[]): SQL =>
  values.length ? sql`array[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::text[]` : sql`'{}'::text[]`;
const uuidArray = (ids: string[]): SQL => (ids.length ? sql`array[${uuidList(ids)}]::uuid[]` : sql`'{}'::uuid[]`);

function mapOrder(r: Raw): OrderRow {
  return {
    __typename: 'Order',
    id: String(r.id),
    number: String(r.number),
    buyerId: String(r.buyer_id),
    storeId: String(r.store_id),
    sellerId: String(r.seller_id),
    storeName: String(r.store_name ?? ''),
    status: r.status as OrderStatus,
    previousStatus: (r.previous_status ?? null) as OrderStatus | null,
    statusBeforeDispute: (r.status_before_dispute ?? null) as OrderStatus | null,
    reservationKey: String(r.reservation_key),
    recipientName: String(r.recipient_name),
    phone: String(r.phone),
    country: String(r.country),
    province: (r.province ?? null) as string | null,
    city: String(r.city),
    street: String(r.street),
    postalCode: String(r.postal_code),
    shippingMethod: String(r.shipping_method),
    subtotal: Number(r.subtotal),
    shippingCost: Number(r.shipping_cost),
    discount: Number(r.discount),
    total: Number(r.total),
    couponCodes: toArray(r.coupon_codes),
    paymentDeadline: toDateOrNull(r.payment_deadline),
    shipByDeadline: toDateOrNull(r.ship_by_deadline),
    deliveryDeadline: toDateOrNull(r.delivery_deadline),
    feedbackDeadline: toDateOrNull(r.feedback_deadline),
    trackingNumber: (r.tracking_number ?? null) as string | null,
    paymentId: (r.payment_id ?? null) as string | null,
    disputeReason: (r.dispute_reason ?? null) as string | null,
    disputeDescription: (r.dispute_description ?? null) as string | null,
    disputeOpenedAt: toDateOrNull(r.dispute_opened_at),
    disputeResolvedAt: toDateOrNull(r.dispute_resolved_at),
    disputeRefunded: (r.dispute_refunded ?? null) as boolean | null,
    createdAt: toDate(r.created_at),
  };
}

function mapLine(r: Raw): LineRow {
  return {
    id: String(r.id),
    orderId: String(r.order_id),
    productId: String(r.product_id),
    variantId: String(r.variant_id),
    title: String(r.title),
    options: (typeof r.options === 'string' ? JSON.parse(r.options) : r.options) as LineRow['options'],
    quantity: Number(r.quantity),
    unitPrice: Number(r.unit_price),
    subtotal: Number(r.subtotal),
  };
}

function mapFeedback(r: Raw): FeedbackRow {
  return {
    id: String(r.id),
    orderId: String(r.order_id),
    buyerId: String(r.buyer_id),
    productRating: Number(r.product_rating),
    shippingRating: Number(r.shipping_rating),
    communicationRating: Number(r.communication_rating),
    comment: (r.comment ?? null) as string | null,
    createdAt: toDate(r.created_at),
  };
}

// ───────────────────────────── reads ─────────────────────────────

export async function ordersByIds(db: Executor, ids: string[]): Promise<OrderRow[]> {
  if (!ids.length) return [];
  const rows = await queryRows(db, sql`select * from orders.orders where id in (${uuidList(ids)})`);
  return rows.map(mapOrder);
}

export async function linesByOrderIds(db: Executor, ids: string[]): Promise<LineRow[]> {
  if (!ids.length) return [];
  const rows = await queryRows(
    db,
    sql`select * from orders.order_lines where order_id in (${uuidList(ids)}) order by order_id, position`,
  );
  return rows.map(mapLine);
}

export async function historyByOrderIds(db: Executor, ids: string[]): Promise<HistoryRow[]> {
  if (!ids.length) return [];
  const rows = await queryRows(
    db,
    sql`select order_id, status, at, reason from orders.status_history where order_id in (${uuidList(ids)}) order by seq`,
  );
  return rows.map((r) => ({
    orderId: String(r.order_id),
    status: r.status as OrderStatus,
    at: toDate(r.at),
    reason: (r.reason ?? null) as string | null,
  }));
}

export async function feedbackByOrderIds(db: Executor, ids: string[]): Promise<FeedbackRow[]> {
  if (!ids.length) return [];
  const rows = await queryRows(db, sql`select * from orders.feedback where order_id in (${uuidList(ids)})`);
  return rows.map(mapFeedback);
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
}

function orderFilter(f: OrderListFilter): SQL {
  const conds: SQL[] = [];
  if (f.buyerId) conds.push(sql`buyer_id = ${f.buyerId}::uuid`);
  if (f.storeId) conds.push(sql`store_id = ${f.storeId}::uuid`);
  if (f.status) conds.push(sql`status = ${f.status}`);
  return conds.length ? sql.join(conds, sql` and `) : sql`true`;
}

/** Newest first; `limit` rows at most. */
export async function orderPage(db: Executor, f: OrderPageFilter): Promise<OrderRow[]> {
  const after = f.before
    ? sql` and (created_at, id) < (${f.before.createdAt}::timestamptz, ${f.before.id}::uuid)`
    : sql``;
  const rows = await queryRows(
    db,
    sql`select * from orders.orders where ${orderFilter(f)}${after} order by created_at desc, id desc limit ${f.limit}`,
  );
  return rows.map(mapOrder);
}

export async function orderCount(db: Executor, f: OrderListFilter): Promise<number> {
  const [row] = await queryRows<{ n: string }>(db, sql`select count(*) as n from orders.orders where ${orderFilter(f)}`);
  return Number(row?.n ?? 0);
}

/** Per status counts of several buyers' orders, in one statement (statuses without orders are absent). */
export async function countsByStatus(db: Executor, buyerIds: string[]): Promise<{ buyerId: string; status: OrderStatus; count: number }[]> {
  if (!buyerIds.length) return [];
  const rows = await queryRows<{ buyer_id: string; status: string; n: string }>(
    db,
    sql`select buyer_id, status, count(*) as n from orders.orders where buyer_id in (${uuidList(buyerIds)}) group by buyer_id, status`,
  );
  return rows.map((r) => ({ buyerId: String(r.buyer_id), status: r.status as OrderStatus, count: Number(r.n) }));
}

export async function pendingOrderCount(db: Executor, buyerId: string): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    db,
    sql`select count(*) as n from orders.orders where buyer_id = ${buyerId}::uuid
        and status in ('PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED', 'UNCONFIRMED_DELIVERY', 'DISPUTED')`,
  );
  return Number(row?.n ?? 0);
}

/** Owners of stores we have orders for (seller captured at checkout). */
export async function sellersOfStores(db: Executor, storeIds: string[]): Promise<{ storeId: string; sellerId: string }[]> {
  if (!storeIds.length) return [];
  const rows = await queryRows(
    db,
    sql`select distinct on (store_id) store_id, seller_id from orders.orders
        where store_id in (${uuidList(storeIds)}) order by store_id, created_at desc`,
  );
  return rows.map((r) => ({ storeId: String(r.store_id), sellerId: String(r.seller_id) }));
}

export async function productRatings(db: Executor, productIds: string[]): Promise<{ productId: string; rating: number; count: number }[]> {
  if (!productIds.length) return [];
  const rows = await queryRows(
    db,
    sql`select product_id, avg(product_rating)::float8 as rating, count(*) as n from (
          select distinct l.product_id, f.id, f.product_rating
          from orders.order_lines l join orders.feedback f on f.order_id = l.order_id
          where l.product_id in (${uuidList(productIds)})
        ) x group by product_id`,
  );
  return rows.map((r) => ({ productId: String(r.product_id), rating: Number(r.rating), count: Number(r.n) }));
}

export async function storeRatings(db: Executor, storeIds: string[]): Promise<{ storeId: string; rating: number }[]> {
  if (!storeIds.length) return [];
  const rows = await queryRows(
    db,
    sql`select store_id, avg(product_rating)::float8 as rating from orders.feedback
        where store_id in (${uuidList(storeIds)}) group by store_id`,
  );
  return rows.map((r) => ({ storeId: String(r.store_id), rating: Number(r.rating) }));
}

export interface ReviewRow extends FeedbackRow {
  productId: string;
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
  const after = before ? sql` where (r.created_at, r.id) < (${before.createdAt}::timestamptz, ${before.id}::uuid)` : sql``;
  // one row per (product, review on the page); a product whose page is empty keeps one row with null review columns
  const rows = await queryRows(
    db,
    sql`with reviewed as (
          select distinct l.product_id, f.*
          from orders.order_lines l join orders.feedback f on f.order_id = l.order_id
          where l.product_id in (${uuidList(productIds)})
        ), stats as (
          select product_id, avg(product_rating)::float8 as rating, count(*) as review_count from reviewed group by product_id
        ), page as (
          select * from (
            select r.*, row_number() over (partition by r.product_id order by r.created_at desc, r.id desc) as rn
            from reviewed r${after}
          ) y where rn <= ${limit}
        )
        select * from stats left join page using (product_id) order by product_id, created_at desc, id desc`,
  );
  const stats = new Map<string, { productId: string; rating: number; count: number }>();
  const reviews: ReviewRow[] = [];
  for (const r of rows) {
    const productId = String(r.product_id);
    if (!stats.has(productId)) stats.set(productId, { productId, rating: Number(r.rating), count: Number(r.review_count) });
    if (r.id !== null && r.id !== undefined) reviews.push({ ...mapFeedback(r), productId });
  }
  return { stats: [...stats.values()], reviews };
}

// ───────────────────────────── checkout idempotency ─────────────────────────────

export interface CheckoutClaim {
  attempt: string;
  state: 'PENDING' | 'DONE';
  orderIds: string[];
  createdAt: Date;
  /** null: a claim from before leases, counted as expired. */
  leaseUntil: Date | null;
}

/** Claims (buyer, key) for `attempt` until `leaseUntil`; true when this call is the first. */
export async function claimCheckout(db: Executor, buyerId: string, key: string, attempt: string, leaseUntil: Date): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`insert into orders.checkouts (buyer_id, key, attempt, state, lease_until)
        values (${buyerId}::uuid, ${key}, ${attempt}::uuid, 'PENDING', ${ts(leaseUntil)})
        on conflict do nothing returning attempt`,
  );
  return rows.length === 1;
}

export async function getCheckout(db: Executor, buyerId: string, key: string): Promise<CheckoutClaim | null> {
  const [r] = await queryRows(
    db,
    sql`select attempt, state, order_ids, created_at, lease_until from orders.checkouts where buyer_id = ${buyerId}::uuid and key = ${key}`,
  );
  if (!r) return null;
  return {
    attempt: String(r.attempt),
    state: r.state as CheckoutClaim['state'],
    orderIds: toArray(r.order_ids),
    createdAt: toDate(r.created_at),
    leaseUntil: toDateOrNull(r.lease_until),
  };
}

/**
 * Takes over a PENDING claim whose lease has expired: only if it is still held
 * by `oldAttempt` (a conditional UPDATE, so of several takers exactly one wins).
 * In the same transaction the old attempt's ARMED compensations become DUE.
 * Returns those job ids, or null when the claim was not taken over.
 */
export async function takeOverCheckout(
  db: Executor,
  c: { buyerId: string; key: string; oldAttempt: string; newAttempt: string; now: Date; leaseUntil: Date },
): Promise<string[] | null> {
  return db.transaction(async (tx) => {
    const rows = await queryRows(
      tx,
      sql`update orders.checkouts set attempt = ${c.newAttempt}::uuid, lease_until = ${ts(c.leaseUntil)}
          where buyer_id = ${c.buyerId}::uuid and key = ${c.key} and attempt = ${c.oldAttempt}::uuid and state = 'PENDING'
            and (lease_until is null or lease_until < ${ts(c.now)})
          returning key`,
    );
    if (rows.length !== 1) return null;
    return dueJobsOf(tx, [c.oldAttempt], c.now);
  });
}

/**
 * Renews the attempt's lease; false when the attempt no longer holds the key
 * (taken over or recovered). Locks the claim row for the rest of `tx`.
 */
export async function renewCheckoutLease(tx: Executor, buyerId: string, key: string, attempt: string, leaseUntil: Date): Promise<boolean> {
  const rows = await queryRows(
    tx,
    sql`update orders.checkouts set lease_until = ${ts(leaseUntil)}
        where buyer_id = ${buyerId}::uuid and key = ${key} and attempt = ${attempt}::uuid and state = 'PENDING' returning key`,
  );
  return rows.length === 1;
}

/**
 * A failed attempt: its ARMED compensations become DUE and the key is freed
 * (if the attempt still holds it), in one transaction. Returns the due job ids.
 */
export async function abandonCheckout(db: Executor, buyerId: string, key: string, attempt: string, now: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`delete from orders.checkouts where buyer_id = ${buyerId}::uuid and key = ${key} and attempt = ${attempt}::uuid and state = 'PENDING'`,
    );
    return dueJobsOf(tx, [attempt], now);
  });
}

/**
 * The recovery sweep: claims whose lease expired (their process died or
 * stalled) are deleted, freeing the key, and their attempts' ARMED
 * compensations become DUE; SKIP LOCKED, so several instances share the work.
 * Returns the number of claims recovered.
 */
export async function recoverExpiredCheckouts(db: Executor, now: Date, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await queryRows(
      tx,
      sql`with stale as (
            select buyer_id, key, attempt from orders.checkouts
            where state = 'PENDING' and (lease_until is null or lease_until < ${ts(now)})
            limit ${limit} for update skip locked
          )
          delete from orders.checkouts c using stale
          where c.buyer_id = stale.buyer_id and c.key = stale.key and c.attempt = stale.attempt
          returning c.attempt`,
    );
    const attempts = rows.map((r) => String(r.attempt));
    if (attempts.length) await dueJobsOf(tx, attempts, now);
    return attempts.length;
  });
}

async function dueJobsOf(tx: Executor, attempts: string[], now: Date): Promise<string[]> {
  const rows = await queryRows(
    tx,
    sql`update orders.checkout_jobs set state = 'DUE', next_run_at = ${ts(now)}
        where attempt in (${uuidList(attempts)}) and state = 'ARMED' returning id`,
  );
  return rows.map((r) => String(r.id));
}

/** The claim becomes DONE, only for the attempt that holds it; its ARMED compensations are dropped (the orders own the stock and coupons now). */
export async function completeCheckout(db: Executor, buyerId: string, key: string, attempt: string, orderIds: string[]): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`update orders.checkouts set state = 'DONE', order_ids = ${uuidArray(orderIds)}, lease_until = null
        where buyer_id = ${buyerId}::uuid and key = ${key} and attempt = ${attempt}::uuid and state = 'PENDING' returning key`,
  );
  if (rows.length !== 1) return false;
  await db.execute(sql`delete from orders.checkout_jobs where attempt = ${attempt}::uuid and state = 'ARMED'`);
  return true;
}

// ───────────────────────────── checkout jobs (durable side effects) ─────────────────────────────

export type CheckoutJobKind = 'release_stock' | 'release_coupons' | 'remove_cart_lines';

export interface CheckoutJob {
  id: string;
  kind: CheckoutJobKind;
  payload: Record<string, unknown>;
  tries: number;
}

/** Writes a job; ARMED ones wait for their attempt's outcome, DUE ones run now. Returns its id. */
export async function insertCheckoutJob(
  tx: Executor,
  j: { buyerId: string; key: string; attempt: string; kind: CheckoutJobKind; payload: Record<string, unknown>; state: 'ARMED' | 'DUE'; now: Date },
): Promise<string> {
  const [r] = await queryRows(
    tx,
    sql`insert into orders.checkout_jobs (buyer_id, checkout_key, attempt, kind, payload, state, next_run_at, created_at)
        values (${j.buyerId}::uuid, ${j.key}, ${j.attempt}::uuid, ${j.kind}, ${JSON.stringify(j.payload)}::jsonb, ${j.state}, ${ts(j.now)}, ${ts(j.now)})
        returning id`,
  );
  return String(r.id);
}

/** Leases DUE jobs whose time has come (all of them, or only `ids`); SKIP LOCKED. */
export async function leaseCheckoutJobs(db: Executor, now: Date, leaseS: number, limit: number, ids?: string[]): Promise<CheckoutJob[]> {
  if (ids && !ids.length) return [];
  const only = ids ? sql` and id in (${uuidList(ids)})` : sql``;
  const rows = await queryRows(
    db,
    sql`update orders.checkout_jobs j set lease_until = ${ts(now)} + make_interval(secs => ${leaseS}), tries = j.tries + 1
        from (select id from orders.checkout_jobs
              where state = 'DUE' and next_run_at <= ${ts(now)} and (lease_until is null or lease_until < ${ts(now)})${only}
              order by next_run_at limit ${limit} for update skip locked) due
        where j.id = due.id
        returning j.id, j.kind, j.payload, j.tries`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind as CheckoutJobKind,
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
    tries: Number(r.tries),
  }));
}

export async function checkoutJobDone(db: Executor, id: string): Promise<void> {
  await db.execute(sql`delete from orders.checkout_jobs where id = ${id}::uuid`);
}

export async function checkoutJobFailed(db: Executor, id: string, nextRunAt: Date, error: string): Promise<void> {
  await db.execute(
    sql`update orders.checkout_jobs set lease_until = null, next_run_at = ${ts(nextRunAt)}, last_error = ${error.slice(0, 500)}
        where id = ${id}::uuid`,
  );
}

/** Which of these cart lines already became an order. */
export async function orderedCartLines(db: Executor, lineIds: string[]): Promise<Set<string>> {
  if (!lineIds.length) return new Set();
  const rows = await queryRows(db, sql`select cart_line_id from orders.ordered_cart_lines where cart_line_id in (${uuidList(lineIds)})`);
  return new Set(rows.map((r) => String(r.cart_line_id)));
}

/** Records the cart lines an order bought; false when one of them was ordered already (by a racing checkout). */
export async function recordOrderedCartLines(tx: Executor, lines: { cartLineId: string; orderId: string }[], at: Date): Promise<boolean> {
  if (!lines.length) return true;
  const rows = await queryRows(
    tx,
    sql`insert into orders.ordered_cart_lines (cart_line_id, order_id, created_at)
        values ${sql.join(lines.map((l) => sql`(${l.cartLineId}::uuid, ${l.orderId}::uuid, ${ts(at)})`), sql`, `)}
        on conflict do nothing returning cart_line_id`,
  );
  return rows.length === lines.length;
}

export interface NewOrder {
  id: string;
  buyerId: string;
  storeId: string;
  sellerId: string;
  storeName: string;
  checkoutKey: string;
  reservationKey: string;
  address: { recipientName: string; phone: string; country: string; province: string | null; city: string; street: string; postalCode: string };
  shippingMethod: string;
  subtotal: number;
  shippingCost: number;
  discount: number;
  total: number;
  couponCodes: string[];
  paymentDeadline: Date;
  createdAt: Date;
  lines: Omit<LineRow, 'id' | 'orderId'>[];
}

export async function insertOrder(tx: Executor, o: NewOrder): Promise<OrderRow> {
  const day = iso(o.createdAt).slice(0, 10).replace(/-/g, '');
  const [row] = await queryRows(
    tx,
    sql`insert into orders.orders (id, number, buyer_id, store_id, seller_id, store_name, status, checkout_key, reservation_key,
          recipient_name, phone, country, province, city, street, postal_code, shipping_method,
          subtotal, shipping_cost, discount, total, coupon_codes, payment_deadline, created_at, updated_at)
        values (${o.id}::uuid, ${day} || '-' || lpad(nextval('orders.order_number_seq')::text, 6, '0'),
          ${o.buyerId}::uuid, ${o.storeId}::uuid, ${o.sellerId}::uuid, ${o.storeName}, 'PAYMENT_REQUIRED', ${o.checkoutKey}, ${o.reservationKey},
          ${o.address.recipientName}, ${o.address.phone}, ${o.address.country}, ${o.address.province}, ${o.address.city},
          ${o.address.street}, ${o.address.postalCode}, ${o.shippingMethod},
          ${o.subtotal}, ${o.shippingCost}, ${o.discount}, ${o.total}, ${textArray(o.couponCodes)},
          ${ts(o.paymentDeadline)}, ${ts(o.createdAt)}, ${ts(o.createdAt)})
        returning *`,
  );
  const lines = o.lines.map(
    (l, i) =>
      sql`(${o.id}::uuid, ${i}, ${l.productId}::uuid, ${l.variantId}::uuid, ${l.title}, ${JSON.stringify(l.options)}::jsonb,
           ${l.quantity}, ${l.unitPrice}, ${l.subtotal})`,
  );
  if (lines.length) {
    await tx.execute(
      sql`insert into orders.order_lines (order_id, position, product_id, variant_id, title, options, quantity, unit_price, subtotal)
          values ${sql.join(lines, sql`, `)}`,
    );
  }
  return mapOrder(row);
}

export async function insertHistory(tx: Executor, entries: { orderId: string; status: string; at: Date; reason: string | null }[]): Promise<void> {
  if (!entries.length) return;
  await tx.execute(
    sql`insert into orders.status_history (order_id, status, at, reason) values ${sql.join(
      entries.map((e) => sql`(${e.orderId}::uuid, ${e.status}, ${ts(e.at)}, ${e.reason})`),
      sql`, `,
    )}`,
  );
}

// ───────────────────────────── transitions ─────────────────────────────

export interface TransitionSpec {
  from: OrderStatus[];
  to: OrderStatus | 'STATUS_BEFORE_DISPUTE';
  /** Extra `column = value` assignments. */
  set?: SQL[];
  /** Extra condition, e.g. the actor. */
  where?: SQL;
  at: Date;
}

function setClause(spec: TransitionSpec): SQL {
  const to = spec.to === 'STATUS_BEFORE_DISPUTE' ? sql`coalesce(status_before_dispute, status)` : sql`${spec.to}`;
  const parts = [sql`previous_status = status`, sql`status = ${to}`, sql`updated_at = ${ts(spec.at)}`, ...(spec.set ?? [])];
  return sql.join(parts, sql`, `);
}

const fromList = (from: OrderStatus[]) => sql.join(from.map((s) => sql`${s}`), sql`, `);

/**
 * One conditional UPDATE: the order moves only if it is still in one of
 * `from` (and matches `where`). Returns the new row, or null when it did not.
 */
export async function transitionOne(tx: Executor, orderId: string, spec: TransitionSpec): Promise<OrderRow | null> {
  const [row] = await queryRows(
    tx,
    sql`update orders.orders set ${setClause(spec)}
        where id = ${orderId}::uuid and status in (${fromList(spec.from)})${spec.where ? sql` and ${spec.where}` : sql``}
        returning *`,
  );
  return row ? mapOrder(row) : null;
}

/** Moves several orders at once (payOrders); returns those that moved. */
export async function transitionMany(tx: Executor, orderIds: string[], spec: TransitionSpec): Promise<OrderRow[]> {
  if (!orderIds.length) return [];
  const rows = await queryRows(
    tx,
    sql`update orders.orders set ${setClause(spec)}
        where id in (${uuidList(orderIds)}) and status in (${fromList(spec.from)})${spec.where ? sql` and ${spec.where}` : sql``}
        returning *`,
  );
  return rows.map(mapOrder);
}

/**
 * The sweeper's claim: orders of `status` whose `deadline` column is due,
 * locked with SKIP LOCKED so concurrent sweepers and people never collide,
 * then moved in the same statement.
 */
export async function transitionDue(
  tx: Executor,
  status: OrderStatus,
  deadlineColumn: 'payment_deadline' | 'ship_by_deadline' | 'delivery_deadline' | 'feedback_deadline',
  now: Date,
  limit: number,
  spec: TransitionSpec,
): Promise<OrderRow[]> {
  const rows = await queryRows(
    tx,
    sql`with due as (
          select id from orders.orders where status = ${status} and ${sql.raw(deadlineColumn)} <= ${ts(now)}
          order by ${sql.raw(deadlineColumn)} limit ${limit} for update skip locked
        )
        update orders.orders o set ${setClause(spec)}
        from due where o.id = due.id and o.status = ${status}
        returning o.*`,
  );
  return rows.map(mapOrder);
}

export const assign = {
  shipByDeadline: (d: Date) => sql`ship_by_deadline = ${ts(d)}`,
  deliveryDeadline: (d: Date) => sql`delivery_deadline = ${ts(d)}`,
  feedbackDeadline: (d: Date) => sql`feedback_deadline = ${ts(d)}`,
  feedbackDeadlineFromNow: (now: Date, seconds: number) => sql`feedback_deadline = ${ts(now)} + make_interval(secs => ${seconds})`,
  trackingNumber: (t: string) => sql`tracking_number = ${t}`,
  paymentId: (id: string) => sql`payment_id = ${id}::uuid`,
  /** The order's payment claim is settled (payOrders). */
  noPaymentClaim: () => sql`paying_payment_id = null`,
  releaseStockAndCoupons: () => sql`release_stock_due = true, release_coupons_due = true`,
  releaseStockAndRefund: () => sql`release_stock_due = true, refund_due = true`,
  refund: () => sql`refund_due = true`,
  /** Unpaid: stock and coupons back; paid: stock back and a refund (the right-hand side sees the old status). */
  cancellationGiveBacks: () =>
    sql`release_stock_due = true, release_coupons_due = (status = 'PAYMENT_REQUIRED'), refund_due = (status = 'SHIPMENT_REQUIRED')`,
  openDispute: (reason: string, description: string, at: Date) =>
    sql`status_before_dispute = status, dispute_reason = ${reason}, dispute_description = ${description},
        dispute_opened_at = ${ts(at)}, dispute_resolved_at = null, dispute_refunded = null`,
  resolveDispute: (refunded: boolean, at: Date) => sql`dispute_resolved_at = ${ts(at)}, dispute_refunded = ${refunded}`,
};

export const actor = {
  buyer: (userId: string) => sql`buyer_id = ${userId}::uuid`,
  seller: (userId: string) => sql`seller_id = ${userId}::uuid`,
  /** The buyer, paying with this payment attempt (its claim, or no claim at all). */
  payingBuyer: (userId: string, paymentId: string) =>
    sql`buyer_id = ${userId}::uuid and (paying_payment_id is null or paying_payment_id = ${paymentId}::uuid)`,
};

/** extendShippingTime: same status, later deadline. */
export async function extendShipBy(tx: Executor, orderId: string, buyerId: string, days: number, at: Date): Promise<OrderRow | null> {
  const [row] = await queryRows(
    tx,
    sql`update orders.orders set ship_by_deadline = ship_by_deadline + make_interval(days => ${days}), updated_at = ${ts(at)}
        where id = ${orderId}::uuid and buyer_id = ${buyerId}::uuid and status = 'SHIPMENT_REQUIRED' returning *`,
  );
  return row ? mapOrder(row) : null;
}

export async function insertFeedback(
  tx: Executor,
  f: { orderId: string; buyerId: string; storeId: string; productRating: number; shippingRating: number; communicationRating: number; comment: string | null; at: Date },
): Promise<void> {
  await tx.execute(
    sql`insert into orders.feedback (order_id, buyer_id, store_id, product_rating, shipping_rating, communication_rating, comment, created_at)
        values (${f.orderId}::uuid, ${f.buyerId}::uuid, ${f.storeId}::uuid, ${f.productRating}, ${f.shippingRating},
                ${f.communicationRating}, ${f.comment}, ${ts(f.at)})`,
  );
}

// ───────────────────────────── payments ─────────────────────────────

export interface PaymentRow {
  id: string;
  buyerId: string;
  key: string;
  /** VOIDED: charged, but its orders were already paid by another payment, so the charge is refunded. */
  state: 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'VOIDED';
  method: string;
  amount: number;
  orderIds: string[];
  providerRef: string | null;
  declineMessage: string | null;
  leaseUntil: Date | null;
  voidAmount: number;
  createdAt: Date;
}

function mapPayment(r: Raw): PaymentRow {
  return {
    id: String(r.id),
    buyerId: String(r.buyer_id),
    key: String(r.key),
    state: r.state as PaymentRow['state'],
    method: String(r.method),
    amount: Number(r.amount),
    orderIds: toArray(r.order_ids),
    providerRef: (r.provider_ref ?? null) as string | null,
    declineMessage: (r.decline_message ?? null) as string | null,
    leaseUntil: toDateOrNull(r.lease_until),
    voidAmount: Number(r.void_amount ?? 0),
    createdAt: toDate(r.created_at),
  };
}

/** Claims (buyer, key) with a lease; null when the key is taken already. */
export async function claimPayment(
  db: Executor,
  c: { buyerId: string; key: string; method: string; orderIds: string[]; amount: number; leaseUntil: Date },
): Promise<PaymentRow | null> {
  const [r] = await queryRows(
    db,
    sql`insert into orders.payments (buyer_id, key, state, method, order_ids, amount, lease_until)
        values (${c.buyerId}::uuid, ${c.key}, 'PENDING', ${c.method}, ${uuidArray(c.orderIds)}, ${c.amount}, ${ts(c.leaseUntil)})
        on conflict (buyer_id, key) do nothing returning *`,
  );
  return r ? mapPayment(r) : null;
}

/**
 * Claims orders for a payment attempt: those of `buyerId` still awaiting
 * payment and claimed by no other attempt. Returns the ids it claimed; the
 * caller rolls back unless it got them all.
 *
 * The condition is `paying_payment_id is null` alone, on purpose: a subquery
 * on the holder's payment would read with this statement's snapshot, which
 * cannot see a claim committed while we waited for the row lock. Claims are
 * cleared in the same transaction that settles or frees their payment.
 */
export async function claimOrdersForPayment(tx: Executor, paymentId: string, buyerId: string, orderIds: string[]): Promise<string[]> {
  const rows = await queryRows(
    tx,
    // rows locked in id order first, so that two attempts on overlapping orders cannot deadlock
    sql`update orders.orders set paying_payment_id = ${paymentId}::uuid
        where id in (select id from orders.orders where id in (${uuidList(orderIds)}) order by id for update)
          and buyer_id = ${buyerId}::uuid and status = 'PAYMENT_REQUIRED' and paying_payment_id is null
        returning id`,
  );
  return rows.map((r) => String(r.id));
}

/** Gives up the orders' claim held by this payment attempt. */
export async function releaseOrderClaims(tx: Executor, paymentId: string, orderIds: string[]): Promise<void> {
  if (!orderIds.length) return;
  await tx.execute(
    sql`update orders.orders set paying_payment_id = null where id in (${uuidList(orderIds)}) and paying_payment_id = ${paymentId}::uuid`,
  );
}

/** The payment attempts holding a claim on any of these orders. */
export async function paymentClaimsOn(db: Executor, orderIds: string[]): Promise<PaymentRow[]> {
  if (!orderIds.length) return [];
  const rows = await queryRows(
    db,
    sql`select p.* from orders.payments p where p.id in (
          select paying_payment_id from orders.orders where id in (${uuidList(orderIds)}) and paying_payment_id is not null)`,
  );
  return rows.map(mapPayment);
}

export async function getPayment(db: Executor, buyerId: string, key: string): Promise<PaymentRow | null> {
  const [r] = await queryRows(db, sql`select * from orders.payments where buyer_id = ${buyerId}::uuid and key = ${key}`);
  return r ? mapPayment(r) : null;
}

export async function paymentsByIds(db: Executor, ids: string[]): Promise<PaymentRow[]> {
  if (!ids.length) return [];
  return (await queryRows(db, sql`select * from orders.payments where id in (${uuidList(ids)})`)).map(mapPayment);
}

/** Frees a key whose attempt charged nothing (its row goes; the same key may be used again). */
export async function deletePendingPayment(db: Executor, id: string): Promise<boolean> {
  const rows = await queryRows(db, sql`delete from orders.payments where id = ${id}::uuid and state = 'PENDING' returning id`);
  return rows.length === 1;
}

/** PENDING → SUCCEEDED or DECLINED, only from PENDING: the first to settle a payment wins. */
export async function settlePayment(
  db: Executor,
  id: string,
  s: { state: 'SUCCEEDED' | 'DECLINED'; providerRef?: string | null; declineMessage?: string | null },
): Promise<PaymentRow | null> {
  const [r] = await queryRows(
    db,
    sql`update orders.payments set state = ${s.state}, provider_ref = ${s.providerRef ?? null}, decline_message = ${s.declineMessage ?? null},
          lease_until = null
        where id = ${id}::uuid and state = 'PENDING' returning *`,
  );
  return r ? mapPayment(r) : null;
}

/** Owes back `amount` of a settled charge (all of it: the payment becomes VOIDED). */
export async function voidPayment(tx: Executor, id: string, amount: number, whole: boolean): Promise<void> {
  await tx.execute(
    sql`update orders.payments set void_amount = ${amount}, void_due = true${whole ? sql`, state = 'VOIDED'` : sql``}
        where id = ${id}::uuid`,
  );
}

/** Takes over a PENDING payment whose lease has passed (one taker wins); null when it is not stale. */
export async function leaseStalePayment(db: Executor, id: string, now: Date, leaseS: number): Promise<PaymentRow | null> {
  const [r] = await queryRows(
    db,
    sql`update orders.payments set lease_until = ${ts(now)} + make_interval(secs => ${leaseS})
        where id = ${id}::uuid and state = 'PENDING' and (lease_until is null or lease_until < ${ts(now)}) returning *`,
  );
  return r ? mapPayment(r) : null;
}

/** PENDING payments whose lease has passed (their attempt died). */
export async function stalePayments(db: Executor, now: Date, limit: number): Promise<PaymentRow[]> {
  const rows = await queryRows(
    db,
    sql`select * from orders.payments where state = 'PENDING' and (lease_until is null or lease_until < ${ts(now)})
        order by lease_until nulls first limit ${limit}`,
  );
  return rows.map(mapPayment);
}

export interface VoidRow {
  id: string;
  providerRef: string;
  voidAmount: number;
}

/** Leases payments that owe a refund of (part of) their charge. */
export async function leaseVoids(db: Executor, now: Date, leaseS: number, limit: number): Promise<VoidRow[]> {
  const rows = await queryRows(
    db,
    sql`update orders.payments p set void_lease_until = ${ts(now)} + make_interval(secs => ${leaseS})
        from (select id from orders.payments
              where void_due and (void_lease_until is null or void_lease_until < ${ts(now)})
              limit ${limit} for update skip locked) due
        where p.id = due.id
        returning p.id, p.provider_ref, p.void_amount`,
  );
  return rows.map((r) => ({ id: String(r.id), providerRef: String(r.provider_ref ?? ''), voidAmount: Number(r.void_amount) }));
}

/** A void's refund is made (`ref`), or failed (null: retried on a later sweep). */
export async function voidDone(db: Executor, id: string, ref: string | null): Promise<void> {
  await db.execute(
    ref === null
      ? sql`update orders.payments set void_lease_until = null where id = ${id}::uuid`
      : sql`update orders.payments set void_due = false, void_ref = ${ref}, void_lease_until = null where id = ${id}::uuid`,
  );
}

// ───────────────────────────── the built-in test payment provider ─────────────────────────────

export interface TestChargeRow {
  idempotencyKey: string;
  status: 'SUCCEEDED' | 'DECLINED' | 'CANCELLED';
  reference: string | null;
  amount: number;
  message: string | null;
}

/** Records a charge under its idempotency key unless the key has one already; returns the key's record. */
export async function testProviderCharge(
  db: Executor,
  c: { idempotencyKey: string; status: TestChargeRow['status']; reference: string | null; amount: number; currency: string; method: string; message: string | null },
): Promise<TestChargeRow> {
  await db.execute(
    sql`insert into orders.test_provider_charges (idempotency_key, status, reference, amount, currency, method, message)
        values (${c.idempotencyKey}, ${c.status}, ${c.reference}, ${c.amount}, ${c.currency}, ${c.method}, ${c.message})
        on conflict (idempotency_key) do nothing`,
  );
  const [r] = await queryRows(db, sql`select * from orders.test_provider_charges where idempotency_key = ${c.idempotencyKey}`);
  return {
    idempotencyKey: String(r.idempotency_key),
    status: r.status as TestChargeRow['status'],
    reference: (r.reference ?? null) as string | null,
    amount: Number(r.amount),
    message: (r.message ?? null) as string | null,
  };
}

export async function testProviderChargeByReference(db: Executor, reference: string): Promise<{ amount: number } | null> {
  const [r] = await queryRows(db, sql`select amount from orders.test_provider_charges where reference = ${reference} and status = 'SUCCEEDED'`);
  return r ? { amount: Number(r.amount) } : null;
}

/** Records a refund under its idempotency key unless the key has one already; returns the key's refund reference. */
export async function testProviderRefund(
  db: Executor,
  r: { idempotencyKey: string; chargeReference: string; amount: number; reference: string },
): Promise<string> {
  await db.execute(
    sql`insert into orders.test_provider_refunds (idempotency_key, charge_reference, amount, reference)
        values (${r.idempotencyKey}, ${r.chargeReference}, ${r.amount}, ${r.reference})
        on conflict (idempotency_key) do nothing`,
  );
  const [row] = await queryRows(db, sql`select reference from orders.test_provider_refunds where idempotency_key = ${r.idempotencyKey}`);
  return String(row.reference);
}

// ───────────────────────────── compensation outbox ─────────────────────────────

export interface CompensationRow {
  id: string;
  reservationKey: string;
  paymentId: string | null;
  total: number;
  releaseStockDue: boolean;
  releaseCouponsDue: boolean;
  refundDue: boolean;
}

/** Leases a batch of orders that owe a give-back (stock, coupons, refund). */
export async function leaseCompensations(db: Executor, now: Date, leaseS: number, limit: number): Promise<CompensationRow[]> {
  const rows = await queryRows(
    db,
    sql`update orders.orders o set compensation_lease_until = ${ts(now)} + make_interval(secs => ${leaseS})
        from (select id from orders.orders
              where (release_stock_due or release_coupons_due or refund_due)
                and (compensation_lease_until is null or compensation_lease_until < ${ts(now)})
              limit ${limit} for update skip locked) due
        where o.id = due.id
        returning o.id, o.reservation_key, o.payment_id, o.total, o.release_stock_due, o.release_coupons_due, o.refund_due`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    reservationKey: String(r.reservation_key),
    paymentId: (r.payment_id ?? null) as string | null,
    total: Number(r.total),
    releaseStockDue: Boolean(r.release_stock_due),
    releaseCouponsDue: Boolean(r.release_coupons_due),
    refundDue: Boolean(r.refund_due),
  }));
}

export async function compensationDone(
  db: Executor,
  id: string,
  done: { stock: boolean; coupons: boolean; refund: boolean },
): Promise<void> {
  await db.execute(
    sql`update orders.orders set
          release_stock_due = release_stock_due and not ${done.stock},
          release_coupons_due = release_coupons_due and not ${done.coupons},
          refund_due = refund_due and not ${done.refund},
          compensation_lease_until = null
        where id = ${id}::uuid`,
  );
}

export async function recordRefund(db: Executor, r: { orderId: string; paymentId: string; amount: number }): Promise<{ providerRef: string | null }> {
  await db.execute(
    sql`insert into orders.refunds (order_id, payment_id, amount) values (${r.orderId}::uuid, ${r.paymentId}::uuid, ${r.amount})
        on conflict (order_id) do nothing`,
  );
  const [row] = await queryRows(db, sql`select provider_ref from orders.refunds where order_id = ${r.orderId}::uuid`);
  return { providerRef: (row?.provider_ref ?? null) as string | null };
}

export async function refundMade(db: Executor, orderId: string, providerRef: string): Promise<void> {
  await db.execute(sql`update orders.refunds set provider_ref = ${providerRef} where order_id = ${orderId}::uuid`);
}

// ───────────────────────────── account deactivation ─────────────────────────────

export async function anonymizeBuyer(tx: Executor, buyerId: string): Promise<void> {
  await tx.execute(
    sql`update orders.orders set recipient_name = 'Deleted user', phone = '', country = '', province = '', city = '',
          street = '', postal_code = '' where buyer_id = ${buyerId}::uuid`,
  );
}

/** A paid order that was cancelled before the payment landed: owe its refund. */
export async function markRefundOwed(tx: Executor, orderId: string, paymentId: string): Promise<void> {
  await tx.execute(
    sql`update orders.orders set payment_id = ${paymentId}::uuid, refund_due = true where id = ${orderId}::uuid and payment_id is null`,
  );
}
