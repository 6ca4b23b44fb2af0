/**
 * Every SQL statement of the catalog subgraph. Functions take an executor (the
 * database or an open transaction) so services decide the transaction bounds.
 */
import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db.ts';
import {
  cartLines,
  carts,
  categories,
  products,
  reservations,
  storeFollows,
  stores,
  variants,
  wishListItems,
} from './schema.ts';

export type CategoryRow = typeof categories.$inferSelect;
export type StoreRow = typeof stores.$inferSelect;
export type VariantRow = typeof variants.$inferSelect;
export type CartRow = typeof carts.$inferSelect;
export type CartLineRow = typeof cartLines.$inferSelect;
export interface ProductRow {
  id: string;
  storeId: string;
  categoryId: string;
  title: string;
  description: string;
  images: string[];
  minPrice: number;
  maxPrice: number;
  createdAt: Date;
}

const productColumns = {
  id: products.id,
  storeId: products.storeId,
  categoryId: products.categoryId,
  title: products.title,
  description: products.description,
  images: products.images,
  minPrice: products.minPrice,
  maxPrice: products.maxPrice,
  createdAt: products.createdAt,
};

/** Raw-SQL product columns, with created_at as exact epoch milliseconds (driver-independent). */
const rawProductColumns = sql.raw(
  `p.id, p.store_id, p.category_id, p.title, p.description, p.images, p.min_price, p.max_price,
   (extract(epoch from p.created_at) * 1000)::float8 as created_ms`,
);

interface RawProduct {
  id: string;
  store_id: string;
  category_id: string;
  title: string;
  description: string;
  images: unknown;
  min_price: number | string;
  max_price: number | string;
  created_ms: number | string;
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function toProduct(r: RawProduct): ProductRow {
  return {
    id: r.id,
    storeId: r.store_id,
    categoryId: r.category_id,
    title: r.title,
    description: r.description,
    images: json<string[]>(r.images),
    minPrice: Number(r.min_price),
    maxPrice: Number(r.max_price),
    createdAt: new Date(Number(r.created_ms)),
  };
}

// ───────────────────────────── categories ─────────────────────────────

export function allCategories(db: Executor): Promise<CategoryRow[]> {
  return db.select().from(categories).orderBy(asc(categories.position), asc(categories.name));
}

export function categoriesByIds(db: Executor, ids: readonly string[]): Promise<CategoryRow[]> {
  return db.select().from(categories).where(inArray(categories.id, [...ids]));
}

// ───────────────────────────── stores ─────────────────────────────

export function storesByIds(db: Executor, ids: readonly string[]): Promise<StoreRow[]> {
  return db.select().from(stores).where(inArray(stores.id, [...ids]));
}

export function storesByOwner(db: Executor, ownerId: string): Promise<StoreRow[]> {
  return db.select().from(stores).where(eq(stores.ownerId, ownerId)).orderBy(asc(stores.createdAt), asc(stores.id));
}

export function countStores(db: Executor): Promise<{ n: number }[]> {
  return db.select({ n: sql<number>`count(*)::int` }).from(stores);
}

/**
 * Inserts a store; no row when its name is taken: another store has the same
 * `nameKey` (the unique index decides, so of concurrent look-alikes one wins).
 */
export function insertStore(
  db: Executor,
  v: { id?: string; ownerId: string; name: string; nameKey: string; description: string | null; createdAt: Date },
): Promise<StoreRow[]> {
  return db.insert(stores).values(v).onConflictDoNothing().returning();
}

/** Stores made before names had keys, oldest first. */
export function storesWithoutNameKey(db: Executor, limit: number): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: stores.id, name: stores.name })
    .from(stores)
    .where(isNull(stores.nameKey))
    .orderBy(asc(stores.createdAt), asc(stores.id))
    .limit(limit);
}

/** Sets a store's missing name key (a unique violation when another store holds it). */
export async function setStoreNameKey(db: Executor, id: string, nameKey: string): Promise<void> {
  await db
    .update(stores)
    .set({ nameKey })
    .where(and(eq(stores.id, id), isNull(stores.nameKey)));
}

export async function followerCounts(db: Executor, storeIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ storeId: storeFollows.storeId, n: sql<number>`count(*)::int` })
    .from(storeFollows)
    .where(inArray(storeFollows.storeId, [...storeIds]))
    .groupBy(storeFollows.storeId);
  return new Map(rows.map((r) => [r.storeId, Number(r.n)]));
}

// ───────────────────────────── products and variants ─────────────────────────────

export function productsByIds(db: Executor, ids: readonly string[]): Promise<ProductRow[]> {
  return db.select(productColumns).from(products).where(inArray(products.id, [...ids]));
}

/**
 * Products with their store and the store's follower count, in one statement
 * (a product page shows all three): selected as the product, store and
 * follower-count loaders select them, so the product-page loader primes those.
 */
export function productPagesByIds(
  db: Executor,
  ids: readonly string[],
): Promise<{ product: ProductRow; store: StoreRow; followerCount: number }[]> {
  return db
    .select({ product: productColumns, store: stores, followerCount: db.$count(storeFollows, eq(storeFollows.storeId, stores.id)) })
    .from(products)
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(inArray(products.id, [...ids]));
}

export function variantsByIds(db: Executor, ids: readonly string[]): Promise<VariantRow[]> {
  return db.select().from(variants).where(inArray(variants.id, [...ids]));
}

export function variantsByProductIds(db: Executor, productIds: readonly string[]): Promise<VariantRow[]> {
  return db
    .select()
    .from(variants)
    .where(inArray(variants.productId, [...productIds]))
    .orderBy(asc(variants.productId), asc(variants.position), asc(variants.id));
}

export function insertProduct(
  db: Executor,
  v: Omit<ProductRow, 'id'> & { id?: string },
): Promise<ProductRow[]> {
  return db.insert(products).values(v).returning(productColumns);
}

export function skusInStore(db: Executor, storeId: string, skus: string[]): Promise<{ sku: string }[]> {
  return db.select({ sku: variants.sku }).from(variants).where(and(eq(variants.storeId, storeId), inArray(variants.sku, skus)));
}

/** Inserts variants; returns fewer rows than given when a SKU is already used in the store. */
export function insertVariants(db: Executor, rows: (typeof variants.$inferInsert)[]): Promise<{ id: string }[]> {
  return db.insert(variants).values(rows).onConflictDoNothing().returning({ id: variants.id });
}

/** The variant with its product's title and min price and its store's owner; product and variant row-locked. */
export async function lockVariant(
  tx: Executor,
  id: string,
): Promise<{ variant: VariantRow; ownerId: string; title: string; minPrice: number } | null> {
  // the product row first: price changes of one product queue up, so old/new min prices are exact
  const [ref] = await tx.select({ productId: variants.productId }).from(variants).where(eq(variants.id, id));
  if (!ref) return null;
  const [product] = await tx
    .select({ title: products.title, minPrice: products.minPrice, storeId: products.storeId })
    .from(products)
    .where(eq(products.id, ref.productId))
    .for('update');
  const [variant] = await tx.select().from(variants).where(eq(variants.id, id)).for('update');
  const [store] = await tx.select({ ownerId: stores.ownerId }).from(stores).where(eq(stores.id, product.storeId));
  return { variant, ownerId: store.ownerId, title: product.title, minPrice: product.minPrice };
}

export function updateVariantRow(tx: Executor, id: string, set: { price?: number; stock?: number }): Promise<VariantRow[]> {
  return tx.update(variants).set(set).where(eq(variants.id, id)).returning();
}

/** Recomputes a product's price range from its variants. */
export function refreshPriceRange(tx: Executor, productId: string): Promise<{ minPrice: number; maxPrice: number }[]> {
  return tx
    .update(products)
    .set({
      minPrice: sql`(select min(price) from catalog.variants where product_id = ${productId})`,
      maxPrice: sql`(select max(price) from catalog.variants where product_id = ${productId})`,
    })
    .where(eq(products.id, productId))
    .returning({ minPrice: products.minPrice, maxPrice: products.maxPrice });
}

// ───────────────────────────── search ─────────────────────────────

export type SortKey = 'RELEVANCE' | 'NEWEST' | 'PRICE_ASC' | 'PRICE_DESC';

export interface SearchFilter {
  /** Already trimmed and length-checked; null: no text condition. */
  text: string | null;
  categoryId?: string;
  storeId?: string;
  minPrice?: number;
  maxPrice?: number;
}

/** Where a page starts: the sort key of the last row seen, and its id. */
export interface Keyset {
  key: string | number;
  id: string;
}

export interface SearchHit extends ProductRow {
  /** ts_rank as PostgreSQL prints it (exact round trip through ::real). */
  rank: string;
}

function tsQuery(text: string): SQL {
  return sql`websearch_to_tsquery('english', ${text})`;
}

function filterSql(f: SearchFilter): { withCats: SQL; where: SQL } {
  const conds: SQL[] = [sql`true`];
  if (f.text !== null) conds.push(sql`p.search @@ ${tsQuery(f.text)}`);
  if (f.categoryId) conds.push(sql`p.category_id in (select id from cats)`);
  if (f.storeId) conds.push(sql`p.store_id = ${f.storeId}`);
  if (f.minPrice !== undefined || f.maxPrice !== undefined) {
    const v: SQL[] = [sql`v.product_id = p.id`];
    if (f.minPrice !== undefined) v.push(sql`v.price >= ${f.minPrice}`);
    if (f.maxPrice !== undefined) v.push(sql`v.price <= ${f.maxPrice}`);
    conds.push(sql`exists (select 1 from catalog.variants v where ${sql.join(v, sql` and `)})`);
  }
  const withCats = f.categoryId
    ? sql`with recursive cats as (
            select id from catalog.categories where id = ${f.categoryId}
            union all
            select c.id from catalog.categories c join cats on c.parent_id = cats.id
          ) `
    : sql``;
  return { withCats, where: sql.join(conds, sql` and `) };
}

export interface SearchPage {
  hits: SearchHit[];
  /** The hits' stores (the search page shows them), selected as the store loader selects them. */
  stores: StoreRow[];
  /** Every match (not only this page's), when asked for and the page has a row; otherwise null. */
  total: number | null;
}

/**
 * One page of a search, in a stable total order (the sort key, then id), from
 * after `keyset`: keyset pagination never skips or repeats a row. With
 * `withTotal`, also counts every match in the same statement: the count runs
 * over the filter before the keyset and the limit, so it is exact on any page
 * (and read from any row of it). Without it the count is left out: a window
 * over every match would keep PostgreSQL from stopping at the page's last row.
 */
export async function searchPage(
  db: Executor,
  f: SearchFilter,
  sort: SortKey,
  limit: number,
  after: Keyset | null,
  withTotal: boolean,
): Promise<SearchPage> {
  const { withCats, where } = filterSql(f);
  const rank = f.text !== null ? sql`ts_rank(p.search, ${tsQuery(f.text)})` : sql`0::real`;
  const total = withTotal ? sql`count(*) over ()` : sql`null`;
  let order: SQL;
  let keyset = sql`true`;
  switch (sort) {
    case 'RELEVANCE':
      order = sql`s.r desc, s.id asc`;
      if (after) keyset = sql`(s.r < ${String(after.key)}::real or (s.r = ${String(after.key)}::real and s.id > ${after.id}::uuid))`;
      break;
    case 'NEWEST':
      order = sql`s.created_at desc, s.id desc`;
      if (after) keyset = sql`(s.created_at, s.id) < (${String(after.key)}::timestamptz, ${after.id}::uuid)`;
      break;
    case 'PRICE_ASC':
      order = sql`s.min_price asc, s.id asc`;
      if (after) keyset = sql`(s.min_price, s.id) > (${Number(after.key)}::int, ${after.id}::uuid)`;
      break;
    case 'PRICE_DESC':
      order = sql`s.min_price desc, s.id asc`;
      if (after) keyset = sql`(s.min_price < ${Number(after.key)}::int or (s.min_price = ${Number(after.key)}::int and s.id > ${after.id}::uuid))`;
      break;
  }
  const rows = await db
    .select({
      product: productColumns,
      store: stores,
      rank: sql<string>`s.r::text`,
      total: sql<number | null>`s.total`.mapWith((n) => (n === null ? null : Number(n))),
    })
    .from(
      sql`(${withCats}select p.id, p.created_at, p.min_price, ${rank} as r, (${total})::int as total
           from catalog.products p where ${where}) s`,
    )
    .innerJoin(products, sql`${products.id} = s.id`)
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(keyset)
    .orderBy(order)
    .limit(limit);
  return {
    hits: rows.map((r) => ({ ...r.product, rank: r.rank })),
    stores: rows.map((r) => r.store),
    total: rows.length ? rows[0].total : null,
  };
}

export async function searchCount(db: Executor, f: SearchFilter): Promise<number> {
  const { withCats, where } = filterSql(f);
  const [row] = await queryRows<{ n: number | string }>(db, sql`${withCats}select count(*)::int as n from catalog.products p where ${where}`);
  return Number(row?.n ?? 0);
}

/** Newest-first pages of several stores' products in one statement. */
export async function storeProductPages(
  db: Executor,
  storeIds: readonly string[],
  limit: number,
  after: Keyset | null,
): Promise<ProductRow[]> {
  const keyset = after ? sql`(p.created_at, p.id) < (${String(after.key)}::timestamptz, ${after.id}::uuid)` : sql`true`;
  const rows = await queryRows<RawProduct>(
    db,
    sql`select * from (
          select ${rawProductColumns}, p.created_at,
                 row_number() over (partition by p.store_id order by p.created_at desc, p.id desc) as rn
          from catalog.products p
          where p.store_id in (${sql.join(storeIds.map((id) => sql`${id}::uuid`), sql`, `)}) and ${keyset}
        ) s where s.rn <= ${limit} order by s.store_id, s.created_at desc, s.id desc`,
  );
  return rows.map(toProduct);
}

export async function productCountsByStore(db: Executor, storeIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ storeId: products.storeId, n: sql<number>`count(*)::int` })
    .from(products)
    .where(inArray(products.storeId, [...storeIds]))
    .groupBy(products.storeId);
  return new Map(rows.map((r) => [r.storeId, Number(r.n)]));
}

// ───────────────────────────── carts ─────────────────────────────

export async function cartById(db: Executor, id: string): Promise<CartRow | null> {
  const [row] = await db.select().from(carts).where(eq(carts.id, id));
  return row ?? null;
}

export async function cartByOwner(db: Executor, ownerId: string): Promise<CartRow | null> {
  const [row] = await db.select().from(carts).where(eq(carts.ownerId, ownerId));
  return row ?? null;
}

export function insertCart(db: Executor, v: { id: string; ownerId: string | null; createdAt: Date }): Promise<CartRow[]> {
  return db.insert(carts).values(v).onConflictDoNothing().returning();
}

/** A cart line with its variant, the variant's product and the product's store. */
export interface LineWithVariant extends CartLineRow {
  variant: VariantRow;
  product: ProductRow;
  store: StoreRow;
}

/**
 * Lines of carts, oldest first. Joins what a cart page shows of each line
 * (variant, product, store), selected as their loaders select them, so the
 * cart-lines loader primes those loaders instead of their running statements.
 */
export async function linesByCartIds(db: Executor, cartIds: readonly string[]): Promise<LineWithVariant[]> {
  const rows = await db
    .select({ line: cartLines, variant: variants, product: productColumns, store: stores })
    .from(cartLines)
    .innerJoin(variants, eq(variants.id, cartLines.variantId))
    .innerJoin(products, eq(products.id, variants.productId))
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(inArray(cartLines.cartId, [...cartIds]))
    .orderBy(asc(cartLines.createdAt), asc(cartLines.id));
  return rows.map((r) => ({ ...r.line, variant: r.variant, product: r.product, store: r.store }));
}

/** Row-locks a cart: concurrent changes to one cart take turns (no lost quantity). */
export async function lockCart(tx: Executor, cartId: string): Promise<void> {
  await tx.select({ id: carts.id }).from(carts).where(eq(carts.id, cartId)).for('update');
}

/** The line of a cart for a variant, row-locked. */
export async function lockLine(tx: Executor, cartId: string, where: { lineId?: string; variantId?: string }): Promise<CartLineRow | null> {
  const cond = where.lineId ? eq(cartLines.id, where.lineId) : eq(cartLines.variantId, where.variantId!);
  const [row] = await tx.select().from(cartLines).where(and(eq(cartLines.cartId, cartId), cond)).for('update');
  return row ?? null;
}

/** Variant stock, row-locked so the cart check and the write agree. */
export async function variantStock(tx: Executor, variantId: string): Promise<{ stock: number; productId: string } | null> {
  const [row] = await tx.select({ stock: variants.stock, productId: variants.productId }).from(variants).where(eq(variants.id, variantId));
  return row ?? null;
}

export function insertLine(tx: Executor, v: { cartId: string; variantId: string; quantity: number; createdAt: Date }) {
  return tx.insert(cartLines).values(v).onConflictDoNothing().returning();
}

export function setLineQuantity(tx: Executor, id: string, quantity: number) {
  return tx.update(cartLines).set({ quantity }).where(eq(cartLines.id, id));
}

export function deleteLine(tx: Executor, cartId: string, lineId: string): Promise<{ id: string }[]> {
  return tx
    .delete(cartLines)
    .where(and(eq(cartLines.cartId, cartId), eq(cartLines.id, lineId)))
    .returning({ id: cartLines.id });
}

export function deleteLines(tx: Executor, cartId: string, lineIds: string[]) {
  return tx.delete(cartLines).where(and(eq(cartLines.cartId, cartId), inArray(cartLines.id, lineIds)));
}

export function deleteAllLines(tx: Executor, cartId: string) {
  return tx.delete(cartLines).where(eq(cartLines.cartId, cartId));
}

/** Lines of a cart (locked) for a merge. */
export function lockLinesOf(tx: Executor, cartId: string): Promise<CartLineRow[]> {
  return tx.select().from(cartLines).where(eq(cartLines.cartId, cartId)).orderBy(asc(cartLines.createdAt), asc(cartLines.id)).for('update');
}

export function stocksOf(tx: Executor, variantIds: string[]): Promise<{ id: string; stock: number }[]> {
  if (!variantIds.length) return Promise.resolve([]);
  return tx.select({ id: variants.id, stock: variants.stock }).from(variants).where(inArray(variants.id, variantIds));
}

/** Everything checkout needs to know about a cart's lines. */
export function quoteLines(db: Executor, cartId: string) {
  return db
    .select({
      lineId: cartLines.id,
      productId: products.id,
      variantId: variants.id,
      storeId: stores.id,
      storeOwnerId: stores.ownerId,
      storeName: stores.name,
      title: products.title,
      options: variants.options,
      unitPrice: variants.price,
      quantity: cartLines.quantity,
    })
    .from(cartLines)
    .innerJoin(variants, eq(variants.id, cartLines.variantId))
    .innerJoin(products, eq(products.id, variants.productId))
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(eq(cartLines.cartId, cartId))
    .orderBy(asc(cartLines.createdAt), asc(cartLines.id));
}

// ───────────────────────────── wish list, store list ─────────────────────────────

export function addWish(tx: Executor, v: { userId: string; productId: string; createdAt: Date }) {
  return tx.insert(wishListItems).values(v).onConflictDoNothing();
}

export function removeWish(tx: Executor, userId: string, productId: string) {
  return tx.delete(wishListItems).where(and(eq(wishListItems.userId, userId), eq(wishListItems.productId, productId)));
}

export async function wishListPage(db: Executor, userId: string, limit: number, after: Keyset | null): Promise<(ProductRow & { savedAtMs: number })[]> {
  const keyset = after ? sql`(w.created_at, w.product_id) < (${String(after.key)}::timestamptz, ${after.id}::uuid)` : sql`true`;
  const rows = await queryRows<RawProduct & { saved_ms: number | string }>(
    db,
    sql`select ${rawProductColumns}, (extract(epoch from w.created_at) * 1000)::float8 as saved_ms
        from catalog.wish_list_items w join catalog.products p on p.id = w.product_id
        where w.user_id = ${userId} and ${keyset}
        order by w.created_at desc, w.product_id desc
        limit ${limit}`,
  );
  return rows.map((r) => ({ ...toProduct(r), savedAtMs: Number(r.saved_ms) }));
}

export async function wishListCount(db: Executor, userId: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(wishListItems).where(eq(wishListItems.userId, userId));
  return Number(row?.n ?? 0);
}

export function follow(tx: Executor, v: { userId: string; storeId: string; createdAt: Date }) {
  return tx.insert(storeFollows).values(v).onConflictDoNothing();
}

export function unfollow(tx: Executor, userId: string, storeId: string) {
  return tx.delete(storeFollows).where(and(eq(storeFollows.userId, userId), eq(storeFollows.storeId, storeId)));
}

export function followedStores(db: Executor, userId: string): Promise<StoreRow[]> {
  return db
    .select({ id: stores.id, ownerId: stores.ownerId, name: stores.name, nameKey: stores.nameKey, description: stores.description, createdAt: stores.createdAt })
    .from(storeFollows)
    .innerJoin(stores, eq(stores.id, storeFollows.storeId))
    .where(eq(storeFollows.userId, userId))
    .orderBy(desc(storeFollows.createdAt), asc(stores.id));
}

/** A deactivated person's cart, wish list and store list (their stores stay). */
export async function deleteUserData(tx: Executor, userId: string): Promise<void> {
  await tx.delete(carts).where(eq(carts.ownerId, userId));
  await tx.delete(wishListItems).where(eq(wishListItems.userId, userId));
  await tx.delete(storeFollows).where(eq(storeFollows.userId, userId));
}

// ───────────────────────────── stock reservations ─────────────────────────────

/** Claims a reservation key; no row when the key was used before. */
export function claimReservation(tx: Executor, key: string, items: { variantId: string; quantity: number }[], at: Date) {
  return tx.insert(reservations).values({ key, items, createdAt: at }).onConflictDoNothing().returning({ key: reservations.key });
}

/** Takes `quantity` units if (and only if) that many are available. */
export function takeStock(tx: Executor, variantId: string, quantity: number) {
  return tx
    .update(variants)
    .set({ stock: sql`${variants.stock} - ${quantity}` })
    .where(and(eq(variants.id, variantId), sql`${variants.stock} >= ${quantity}`))
    .returning({ id: variants.id, productId: variants.productId, stock: variants.stock });
}

export function giveStock(tx: Executor, variantId: string, quantity: number) {
  return tx
    .update(variants)
    .set({ stock: sql`${variants.stock} + ${quantity}` })
    .where(eq(variants.id, variantId))
    .returning({ id: variants.id, productId: variants.productId, stock: variants.stock });
}

/** Remembers a key released before (or without) a reservation, so it can never reserve later. */
export function tombstoneReservation(tx: Executor, key: string, at: Date) {
  return tx.insert(reservations).values({ key, items: [], createdAt: at, releasedAt: at }).onConflictDoNothing();
}

/** Marks a reservation released; returns its items only the first time. */
export function markReleased(tx: Executor, key: string, at: Date) {
  return tx
    .update(reservations)
    .set({ releasedAt: at })
    .where(and(eq(reservations.key, key), isNull(reservations.releasedAt)))
    .returning({ items: reservations.items });
}
