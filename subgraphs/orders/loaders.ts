/** DataLoaders of the orders subgraph, new for every request: one statement per kind per batch. */
import DataLoader from 'dataloader';
import type { Database } from '../kit/db.ts';
import type { InternalClient } from '../kit/internal.ts';
import * as q from './db/queries.ts';

export interface LoaderDeps {
  db: Database;
  internal: InternalClient;
}

function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

export interface ReviewsKey {
  productId: string;
  limit: number;
  before: { createdAt: string; id: string } | null;
}

export function createLoaders({ db, internal }: LoaderDeps) {
  const d = db.drizzle;
  const loaders = {
    orderById: new DataLoader<string, q.OrderRow | null>(async (ids) => {
      const rows = await q.ordersByIds(d, [...ids]);
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    }),
    linesByOrder: new DataLoader<string, q.LineRow[]>(async (ids) => {
      const g = groupBy(await q.linesByOrderIds(d, [...ids]), (r) => r.orderId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    historyByOrder: new DataLoader<string, q.HistoryRow[]>(async (ids) => {
      const g = groupBy(await q.historyByOrderIds(d, [...ids]), (r) => r.orderId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    feedbackByOrder: new DataLoader<string, q.FeedbackRow | null>(async (ids) => {
      const rows = await q.feedbackByOrderIds(d, [...ids]);
      return ids.map((id) => rows.find((r) => r.orderId === id) ?? null);
    }),
    paymentById: new DataLoader<string, q.PaymentRow | null>(async (ids) => {
      const rows = await q.paymentsByIds(d, [...ids]);
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    }),
    productRating: new DataLoader<string, { rating: number | null; count: number }>(async (ids) => {
      const rows = await q.productRatings(d, [...ids]);
      return ids.map((id) => {
        const r = rows.find((x) => x.productId === id);
        return r ? { rating: r.rating, count: r.count } : { rating: null, count: 0 };
      });
    }),
    storeRating: new DataLoader<string, number | null>(async (ids) => {
      const rows = await q.storeRatings(d, [...ids]);
      return ids.map((id) => rows.find((x) => x.storeId === id)?.rating ?? null);
    }),
    /** Reviews of many products with the same page arguments: one windowed query per distinct (limit, cursor). */
    productReviews: new DataLoader<ReviewsKey, q.ReviewRow[], string>(
      async (keys) => {
        const groups = groupBy([...keys], (k) => JSON.stringify([k.limit, k.before]));
        const results = new Map<ReviewsKey, q.ReviewRow[]>();
        for (const group of groups.values()) {
          const { limit, before } = group[0];
          const rows = await q.reviewsOfProducts(d, [...new Set(group.map((k) => k.productId))], limit, before);
          const byProduct = groupBy(rows, (r) => r.productId);
          for (const k of group) results.set(k, byProduct.get(k.productId) ?? []);
        }
        return keys.map((k) => results.get(k) ?? []);
      },
      { cacheKeyFn: (k) => JSON.stringify([k.productId, k.limit, k.before]) },
    ),
    /** Owners of stores: from our own orders first, then one catalog storesByIds call for the rest. */
    storeOwner: new DataLoader<string, string | null>(async (ids) => {
      const known = await q.sellersOfStores(d, [...ids]);
      const owners = new Map(known.map((k) => [k.storeId, k.sellerId]));
      const missing = ids.filter((id) => !owners.has(id));
      if (missing.length) {
        const r = await internal.call<{ stores: { id: string; ownerId: string }[] }>('catalog', 'storesByIds', { ids: missing });
        for (const s of r.stores ?? []) owners.set(s.id, s.ownerId);
      }
      return ids.map((id) => owners.get(id) ?? null);
    }),
    /** Review authors' names: one users `profiles` call per request batch. */
    authorName: new DataLoader<string, string>(async (ids) => {
      const r = await internal.call<{ users: { id: string; fullName: string }[] }>('users', 'profiles', { ids: [...ids] });
      return ids.map((id) => r.users?.find((u) => u.id === id)?.fullName ?? 'Deleted user');
    }),
  };
  return {
    ...loaders,
    /** Forget everything cached (long-lived subscription contexts call this per event). */
    clearAll(): void {
      for (const l of Object.values(loaders)) (l as DataLoader<unknown, unknown>).clearAll();
    },
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
