/** What sellers change after opening a store: the store, products, variants, archiving. */
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { products, stores, variants } from '../schema.ts';
import { productColumns, type ProductRow, type StoreRow, type VariantRow } from './rows.ts';

/** Changes a store (a unique violation when the new name's key is another store's). */
export function updateStoreRow(tx: Executor, id: string, set: Partial<Pick<StoreRow, 'name' | 'nameKey' | 'description' | 'logoUrl'>>): Promise<StoreRow[]> {
  return tx.update(stores).set(set).where(eq(stores.id, id)).returning();
}

/**
 * The product row-locked, with its store's owner: every change to a product and its
 * variants (and an archive) takes this lock first, so they take turns; stock
 * reservations share-lock it (queries/stock.ts).
 */
export async function lockProduct(tx: Executor, id: string): Promise<{ product: ProductRow; ownerId: string; suspendedAt: Date | null } | null> {
  const [product] = await tx.select(productColumns).from(products).where(eq(products.id, id)).for('update');
  if (!product) return null;
  const [store] = await tx.select({ ownerId: stores.ownerId, suspendedAt: stores.suspendedAt }).from(stores).where(eq(stores.id, product.storeId));
  return { product, ownerId: store.ownerId, suspendedAt: store.suspendedAt };
}

export function updateProductRow(
  tx: Executor,
  id: string,
  set: Partial<Pick<ProductRow, 'title' | 'description' | 'categoryId' | 'images' | 'archivedAt'>>,
): Promise<ProductRow[]> {
  return tx.update(products).set(set).where(eq(products.id, id)).returning(productColumns);
}

/** A product's variants on offer (not removed), in their order. */
export function activeVariants(tx: Executor, productId: string): Promise<VariantRow[]> {
  return tx
    .select()
    .from(variants)
    .where(and(eq(variants.productId, productId), isNull(variants.removedAt)))
    .orderBy(asc(variants.position), asc(variants.id));
}

/** The next position after every variant the product ever had. */
export async function nextVariantPosition(tx: Executor, productId: string): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(variants).where(eq(variants.productId, productId));
  return Number(row?.n ?? 0);
}

/** Marks a variant removed (once); its row stays for the carts and reservations that refer to it. */
export function markVariantRemoved(tx: Executor, id: string, at: Date): Promise<VariantRow[]> {
  return tx
    .update(variants)
    .set({ removedAt: at })
    .where(and(eq(variants.id, id), isNull(variants.removedAt)))
    .returning();
}
