/** Store suspensions (platform administration). */
import { and, asc, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { products, stores, variants } from '../schema.ts';
import type { StoreRow } from './rows.ts';

/** Suspends a store that is not suspended (one conditional UPDATE: it waits for reservations holding the row); undefined otherwise. */
export async function suspendStore(db: Executor, id: string, reason: string, now: Date): Promise<StoreRow | undefined> {
  const [r] = await db
    .update(stores)
    .set({ suspendedAt: now, suspensionReason: reason })
    .where(and(eq(stores.id, id), isNull(stores.suspendedAt)))
    .returning();
  return r;
}

/** Lifts a store's suspension; undefined when it is not suspended. */
export async function reinstateStore(db: Executor, id: string): Promise<StoreRow | undefined> {
  const [r] = await db
    .update(stores)
    .set({ suspendedAt: null, suspensionReason: null })
    .where(and(eq(stores.id, id), isNotNull(stores.suspendedAt)))
    .returning();
  return r;
}

/** The suspended ones among these stores. */
export function suspendedStores(db: Executor, ids: readonly string[]): Promise<StoreRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return db
    .select()
    .from(stores)
    .where(and(inArray(stores.id, [...ids]), isNotNull(stores.suspendedAt)));
}

/**
 * The stores selling these variants, locked FOR SHARE for the rest of the
 * transaction (in id order): a suspension of one of them waits for this
 * transaction, and this one, started after a suspension, sees it.
 */
export function lockStoresOfVariants(tx: Executor, variantIds: readonly string[]): Promise<StoreRow[]> {
  if (!variantIds.length) return Promise.resolve([]);
  const storeIds = tx
    .select({ id: products.storeId })
    .from(variants)
    .innerJoin(products, eq(products.id, variants.productId))
    .where(inArray(variants.id, [...variantIds]));
  return tx.select().from(stores).where(inArray(stores.id, storeIds)).orderBy(asc(stores.id)).for('share');
}
