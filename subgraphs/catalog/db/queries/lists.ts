/** The Wish List and the Store List, and a deactivated person's data. */
import { and, asc, count, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../../platform/db.ts';
import { carts, storeFollows, stores, wishListItems } from '../schema.ts';
import { rawProductColumns, toProduct, type Keyset, type ProductRow, type RawProduct, type StoreRow } from './rows.ts';

export function addWish(tx: Executor, v: { userId: string; productId: string; createdAt: Date }) {
  return tx.insert(wishListItems).values(v).onConflictDoNothing();
}

export function removeWish(tx: Executor, userId: string, productId: string) {
  return tx.delete(wishListItems).where(and(eq(wishListItems.userId, userId), eq(wishListItems.productId, productId)));
}

export async function wishListPage(db: Executor, userId: string, limit: number, after: Keyset | null): Promise<(ProductRow & { savedAtMs: number })[]> {
  // raw: the saved time as exact epoch milliseconds (the cursor's key) and a row-value keyset, which the builder cannot say
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
  const [row] = await db.select({ n: count() }).from(wishListItems).where(eq(wishListItems.userId, userId));
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
    .select(getTableColumns(stores))
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
