/**
 * DataLoaders of the promotions subgraph, new for every request (context.ts):
 * each batch is one statement. `watched` is bound to the request's viewer.
 */
import DataLoader from 'dataloader';
import type { Clock } from '../../platform/clock.ts';
import { byIds, groupBy } from '../../platform/collections.ts';
import type { Database } from '../../platform/db.ts';
import { isId } from '../../platform/scalars.ts';
import * as q from './db/queries.ts';
import { toCoupon, toUserCoupon, type CouponView, type UserCouponView } from './service/view.ts';

/** Only UUIDs can exist; never send anything else to SQL. */
const valid = (keys: readonly string[]) => [...new Set(keys.filter(isId))];

/** Each key's group of rows (empty when none), in the keys' order. */
const groupsOf = <T>(keys: readonly string[], rows: T[], keyOf: (r: T) => string): T[][] => {
  const groups = groupBy(rows, keyOf);
  return keys.map((k) => groups.get(k) ?? []);
};

export function createLoaders(db: Database, clock: Clock, viewerId: string | null) {
  const now = clock.now();
  return {
    couponById: new DataLoader<string, CouponView | null>(async (ids) => {
      const rows = valid(ids).length ? await q.couponsByIds(db.drizzle, valid(ids)) : [];
      return byIds(ids, rows.map(toCoupon), (c) => c.id);
    }),
    /** Claimable seller coupons by store id. */
    storeCoupons: new DataLoader<string, CouponView[]>(async (storeIds) => {
      const rows = valid(storeIds).length ? await q.claimableCouponsOfStores(db.drizzle, now, valid(storeIds)) : [];
      return groupsOf(storeIds, rows.map(toCoupon), (c) => c.storeId!);
    }),
    /** Wallets by user id. */
    wallet: new DataLoader<string, UserCouponView[]>(async (userIds) => {
      const rows = valid(userIds).length ? await q.walletsOf(db.drizzle, valid(userIds)) : [];
      return groupsOf(userIds, rows, (r) => r.entry.userId).map((rs) => rs.map((r) => toUserCoupon(r, now)));
    }),
    /** Price watches by user id, newest first. */
    watches: new DataLoader<string, { productId: string; createdAt: Date }[]>(async (userIds) => {
      const rows = valid(userIds).length ? await q.watchesOf(db.drizzle, valid(userIds)) : [];
      return groupsOf(userIds, rows, (r) => r.userId).map((rs) => rs.map((r) => ({ productId: r.productId, createdAt: r.createdAt })));
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
