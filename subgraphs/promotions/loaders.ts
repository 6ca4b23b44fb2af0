/** DataLoaders of the promotions subgraph, new for every request. */
import DataLoader from 'dataloader';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db.ts';
import { isId } from '../../platform/scalars.ts';
import * as q from './db/queries.ts';
import { toCoupon, toUserCoupon, type CouponView, type UserCouponView } from './service/view.ts';

function group<T>(keys: readonly string[], rows: T[], keyOf: (r: T) => string): T[][] {
  const m = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) m.get(keyOf(r))?.push(r);
  return keys.map((k) => m.get(k) ?? []);
}

/** Only UUIDs can exist; never send anything else to SQL. */
const valid = (keys: readonly string[]) => [...new Set(keys.filter(isId))];

export function createLoaders(db: Database, clock: Clock, viewerId: string | null) {
  const now = clock.now();
  return {
    couponById: new DataLoader<string, CouponView | null>(async (ids) => {
      const rows = valid(ids).length ? await q.couponsByIds(db.drizzle, valid(ids)) : [];
      const m = new Map(rows.map((r) => [r.id, toCoupon(r)]));
      return ids.map((id) => m.get(id) ?? null);
    }),
    /** Claimable seller coupons by store id. */
    storeCoupons: new DataLoader<string, CouponView[]>(async (storeIds) =>
      group(storeIds, (valid(storeIds).length ? await q.claimableCouponsOfStores(db.drizzle, now, valid(storeIds)) : []).map(toCoupon), (c) => c.storeId!),
    ),
    /** Wallets by user id. */
    wallet: new DataLoader<string, UserCouponView[]>(async (userIds) => {
      const rows = valid(userIds).length ? await q.walletsOf(db.drizzle, valid(userIds)) : [];
      return group(userIds, rows, (r) => r.user_id).map((rs) => rs.map((r) => toUserCoupon(r, now)));
    }),
    /** Price watches by user id, newest first. */
    watches: new DataLoader<string, { productId: string; createdAt: Date }[]>(async (userIds) => {
      const rows = valid(userIds).length ? await q.watchesOf(db.drizzle, valid(userIds)) : [];
      return group(userIds, rows, (r) => r.user_id).map((rs) => rs.map((r) => ({ productId: r.product_id, createdAt: new Date(r.created_at) })));
    }),
    /** Whether the viewer watches a product (false for guests). */
    watched: new DataLoader<string, boolean>(async (productIds) => {
      if (!viewerId || !valid(productIds).length) return productIds.map(() => false);
      const set = await q.watchedAmong(db.drizzle, viewerId, valid(productIds));
      return productIds.map((id) => set.has(id));
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
