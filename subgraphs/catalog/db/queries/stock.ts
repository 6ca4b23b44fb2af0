/** Stock reservations (checkout): keys claimed once, stock taken and given back. */
import { and, asc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { products, reservations, variants } from '../schema.ts';

/** Claims a reservation key; no row when the key was used before. */
export function claimReservation(tx: Executor, key: string, items: { variantId: string; quantity: number }[], at: Date) {
  return tx.insert(reservations).values({ key, items, createdAt: at }).onConflictDoNothing().returning({ key: reservations.key });
}

/**
 * Share-locks the products of a reservation that can be sold (not archived), in id order:
 * an archive waits for the reservation's commit, and a reservation that waited for an
 * archive sees it (the lock re-reads the row) and leaves that product out.
 */
export function lockProductsOnSale(tx: Executor, variantIds: string[]): Promise<{ id: string }[]> {
  return tx
    .select({ id: products.id })
    .from(products)
    .where(and(inArray(products.id, tx.select({ id: variants.productId }).from(variants).where(inArray(variants.id, variantIds))), isNull(products.archivedAt)))
    .orderBy(asc(products.id))
    .for('share');
}

/** The products of variants (to tell which of a reservation's products is not on sale). */
export function productsOfVariants(tx: Executor, variantIds: string[]) {
  return tx.select({ variantId: variants.id, productId: variants.productId }).from(variants).where(inArray(variants.id, variantIds));
}

/** Takes `quantity` units if (and only if) that many are available and the variant was not removed. */
export function takeStock(tx: Executor, variantId: string, quantity: number) {
  return (
    tx
      .update(variants)
      // raw: an increment relative to the row's value (the builder has no column arithmetic)
      .set({ stock: sql`${variants.stock} - ${quantity}` })
      .where(and(eq(variants.id, variantId), gte(variants.stock, quantity), isNull(variants.removedAt)))
      .returning({ id: variants.id, productId: variants.productId, stock: variants.stock })
  );
}

export function giveStock(tx: Executor, variantId: string, quantity: number) {
  return (
    tx
      .update(variants)
      // raw: see takeStock
      .set({ stock: sql`${variants.stock} + ${quantity}` })
      .where(eq(variants.id, variantId))
      .returning({ id: variants.id, productId: variants.productId, stock: variants.stock })
  );
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
