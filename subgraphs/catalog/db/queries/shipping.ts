/** Stores' shipping settings (service/shipping.ts). */
import { inArray } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { storeShipping } from '../schema.ts';

export type StoreShippingRow = typeof storeShipping.$inferSelect;

export function shippingOfStores(db: Executor, storeIds: readonly string[]): Promise<StoreShippingRow[]> {
  if (!storeIds.length) return Promise.resolve([]);
  return db
    .select()
    .from(storeShipping)
    .where(inArray(storeShipping.storeId, [...storeIds]));
}

/** Replaces a store's settings (the last call wins). */
export async function saveShipping(db: Executor, row: StoreShippingRow): Promise<void> {
  await db
    .insert(storeShipping)
    .values(row)
    .onConflictDoUpdate({ target: storeShipping.storeId, set: { handlingDays: row.handlingDays, options: row.options, updatedAt: row.updatedAt } });
}
