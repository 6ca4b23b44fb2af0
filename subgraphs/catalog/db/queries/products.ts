/** Categories, stores, products and variants. */
import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { anyOf, arrayParam, prepared } from '../../../../platform/prepared.ts';
import { categories, products, storeFollows, stores, variants } from '../schema.ts';
import { productColumns, type CategoryRow, type ProductRow, type StoreRow, type VariantRow } from './rows.ts';

// ───────────────────────────── categories ─────────────────────────────

export function allCategories(db: Executor): Promise<CategoryRow[]> {
  return db.select().from(categories).orderBy(asc(categories.position), asc(categories.name));
}

export function categoriesByIds(db: Executor, ids: readonly string[]): Promise<CategoryRow[]> {
  return db
    .select()
    .from(categories)
    .where(inArray(categories.id, [...ids]));
}

// ───────────────────────────── stores ─────────────────────────────

// prepared (platform/prepared.ts): every page reads stores, products and variants by id
const storesByIdsQuery = prepared('catalog_stores_by_ids', (db) => db.select().from(stores).where(anyOf(stores.id, 'ids')));

export function storesByIds(db: Executor, ids: readonly string[]): Promise<StoreRow[]> {
  return storesByIdsQuery(db, { ids: arrayParam(ids) });
}

export function storesByOwner(db: Executor, ownerId: string): Promise<StoreRow[]> {
  return db.select().from(stores).where(eq(stores.ownerId, ownerId)).orderBy(asc(stores.createdAt), asc(stores.id));
}

export function countStores(db: Executor): Promise<{ n: number }[]> {
  return db.select({ n: count() }).from(stores);
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
  return db.select({ id: stores.id, name: stores.name }).from(stores).where(isNull(stores.nameKey)).orderBy(asc(stores.createdAt), asc(stores.id)).limit(limit);
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
    .select({ storeId: storeFollows.storeId, n: count() })
    .from(storeFollows)
    .where(inArray(storeFollows.storeId, [...storeIds]))
    .groupBy(storeFollows.storeId);
  return new Map(rows.map((r) => [r.storeId, Number(r.n)]));
}

// ───────────────────────────── products and variants ─────────────────────────────

const productsByIdsQuery = prepared('catalog_products_by_ids', (db) => db.select(productColumns).from(products).where(anyOf(products.id, 'ids')));

export function productsByIds(db: Executor, ids: readonly string[]): Promise<ProductRow[]> {
  return productsByIdsQuery(db, { ids: arrayParam(ids) });
}

/**
 * Products with their store and the store's follower count, in one statement
 * (a product page shows all three): selected as the product, store and
 * follower-count loaders select them, so the product-page loader primes those.
 */
const productPagesQuery = prepared('catalog_product_pages_by_ids', (db) =>
  db
    .select({ product: productColumns, store: stores, followerCount: db.$count(storeFollows, eq(storeFollows.storeId, stores.id)) })
    .from(products)
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(anyOf(products.id, 'ids')),
);

export function productPagesByIds(db: Executor, ids: readonly string[]): Promise<{ product: ProductRow; store: StoreRow; followerCount: number }[]> {
  return productPagesQuery(db, { ids: arrayParam(ids) });
}

export function variantsByIds(db: Executor, ids: readonly string[]): Promise<VariantRow[]> {
  return db
    .select()
    .from(variants)
    .where(inArray(variants.id, [...ids]));
}

/** The variants on offer (not removed) of products. */
const variantsByProductIdsQuery = prepared('catalog_variants_by_product_ids', (db) =>
  db
    .select()
    .from(variants)
    .where(and(anyOf(variants.productId, 'ids'), isNull(variants.removedAt)))
    .orderBy(asc(variants.productId), asc(variants.position), asc(variants.id)),
);

export function variantsByProductIds(db: Executor, productIds: readonly string[]): Promise<VariantRow[]> {
  return variantsByProductIdsQuery(db, { ids: arrayParam(productIds) });
}

export function insertProduct(db: Executor, v: Omit<ProductRow, 'id' | 'archivedAt'> & { id?: string }): Promise<ProductRow[]> {
  return db.insert(products).values(v).returning(productColumns);
}

export function skusInStore(db: Executor, storeId: string, skus: string[]): Promise<{ sku: string }[]> {
  return db
    .select({ sku: variants.sku })
    .from(variants)
    .where(and(eq(variants.storeId, storeId), inArray(variants.sku, skus), isNull(variants.removedAt)));
}

/** Inserts variants; returns fewer rows than given when a SKU is already used in the store. */
export function insertVariants(db: Executor, rows: (typeof variants.$inferInsert)[]): Promise<{ id: string }[]> {
  return db.insert(variants).values(rows).onConflictDoNothing().returning({ id: variants.id });
}

/** The variant with its product's title and min price and its store's owner; product and variant row-locked. */
export async function lockVariant(
  tx: Executor,
  id: string,
): Promise<{ variant: VariantRow; ownerId: string; store: { suspendedAt: Date | null }; title: string; minPrice: number } | null> {
  // the product row first: price changes of one product queue up, so old/new min prices are exact
  const [ref] = await tx.select({ productId: variants.productId }).from(variants).where(eq(variants.id, id));
  if (!ref) return null;
  const [product] = await tx
    .select({ title: products.title, minPrice: products.minPrice, storeId: products.storeId })
    .from(products)
    .where(eq(products.id, ref.productId))
    .for('update');
  const [variant] = await tx.select().from(variants).where(eq(variants.id, id)).for('update');
  const [store] = await tx.select({ ownerId: stores.ownerId, suspendedAt: stores.suspendedAt }).from(stores).where(eq(stores.id, product.storeId));
  return { variant, ownerId: store.ownerId, store: { suspendedAt: store.suspendedAt }, title: product.title, minPrice: product.minPrice };
}

export function updateVariantRow(tx: Executor, id: string, set: { price?: number; stock?: number }): Promise<VariantRow[]> {
  return tx.update(variants).set(set).where(eq(variants.id, id)).returning();
}

/** Recomputes a product's price range from its variants on offer. */
export function refreshPriceRange(tx: Executor, productId: string): Promise<{ minPrice: number; maxPrice: number }[]> {
  return (
    tx
      .update(products)
      // raw: a correlated aggregate as the new value (the builder has no subquery in SET)
      .set({
        minPrice: sql`(select min(price) from catalog.variants where product_id = ${productId} and removed_at is null)`,
        maxPrice: sql`(select max(price) from catalog.variants where product_id = ${productId} and removed_at is null)`,
      })
      .where(eq(products.id, productId))
      .returning({ minPrice: products.minPrice, maxPrice: products.maxPrice })
  );
}
