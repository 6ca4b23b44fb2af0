/** DataLoaders of the orders subgraph, new for every request: one statement per kind per batch. */
import DataLoader from 'dataloader';
import type { Database } from '../../platform/db.ts';
import { byIds, groupBy } from '../../platform/collections.ts';
import type { InternalClient } from '../../platform/internal.ts';
import * as q from './db/queries/index.ts';

export interface LoaderDeps {
  db: Database;
  internal: InternalClient;
}

export interface ReviewsKey {
  productId: string;
  /** A page of reviews (at most `limit`, strictly after the `before` keyset), or null for the rating and count alone. */
  page: { limit: number; before: { createdAt: string; id: string } | null } | null;
}

/** A product's rating and review count (over all its reviews), with the page of reviews its key asked for. */
export interface ProductReviews {
  rating: number | null;
  count: number;
  reviews: q.ReviewRow[];
}

/** A page of a store's orders (Store.orders): at most `limit` rows, of one status or all, strictly older than `before`. */
export interface StoreOrdersKey {
  storeId: string;
  status: q.OrderStatus | null;
  limit: number;
  before: { createdAt: string; id: string } | null;
}

const pageOf = (k: StoreOrdersKey) => JSON.stringify([k.status, k.limit, k.before]);

/** A product's id alone for its rating and count (a search page asks for twenty of them), a JSON array with a page. */
const reviewsCacheKey = (k: ReviewsKey) => (k.page === null ? k.productId : JSON.stringify([k.productId, k.page.limit, k.page.before]));

export function createLoaders({ db, internal }: LoaderDeps) {
  const d = db.drizzle;
  const loaders = {
    orderById: new DataLoader<string, q.OrderRow | null>(async (ids) => {
      return byIds(ids, await q.ordersByIds(d, [...ids]), (r) => r.id);
    }),
    linesByOrder: new DataLoader<string, q.LineRow[]>(async (ids) => {
      const g = groupBy(await q.linesByOrderIds(d, [...ids]), (r) => r.orderId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    historyByOrder: new DataLoader<string, q.HistoryRow[]>(async (ids) => {
      const g = groupBy(await q.historyByOrderIds(d, [...ids]), (r) => r.orderId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    trackingByOrder: new DataLoader<string, q.TrackingEventRow[]>(async (ids) => {
      const g = groupBy(await q.trackingByOrderIds(d, [...ids]), (r) => r.orderId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    feedbackByOrder: new DataLoader<string, q.FeedbackRow | null>(async (ids) => {
      return byIds(ids, await q.feedbackByOrderIds(d, [...ids]), (r) => r.orderId);
    }),
    /** Per-line ratings of orders' feedback. */
    feedbackLinesByOrder: new DataLoader<string, q.FeedbackLineRow[]>(async (ids) => {
      const g = groupBy(await q.feedbackLinesByOrderIds(d, [...ids]), (r) => r.orderId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    /** How many feedbacks buyers left (User.feedbackCount, the total of feedbackGiven). */
    feedbackCount: new DataLoader<string, number>(async (ids) => {
      const rows = await q.feedbackCounts(d, [...ids]);
      return ids.map((id) => rows.find((r) => r.buyerId === id)?.count ?? 0);
    }),
    /** Orders' refunds, oldest first. */
    refundsByOrder: new DataLoader<string, q.RefundRow[]>(async (ids) => {
      const g = groupBy(await q.refundsByOrderIds(d, [...ids]), (r) => r.orderId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    /** Pages of several stores' orders (a seller's stores with their orders): one statement per distinct (status, limit, before). */
    storeOrders: new DataLoader<StoreOrdersKey, q.OrderRow[], string>(
      async (keys) => {
        const pages = new Map<string, q.OrderRow[]>();
        for (const [page, group] of groupBy(keys, pageOf)) {
          const { status, limit, before } = group[0];
          const rows = await q.storeOrderPages(d, [...new Set(group.map((k) => k.storeId))], { status, limit, before });
          for (const [storeId, own] of groupBy(rows, (r) => r.storeId)) pages.set(JSON.stringify([storeId, page]), own);
        }
        return keys.map((k) => pages.get(JSON.stringify([k.storeId, pageOf(k)])) ?? []);
      },
      { cacheKeyFn: (k) => JSON.stringify([k.storeId, pageOf(k)]) },
    ),
    paymentById: new DataLoader<string, q.PaymentRow | null>(async (ids) => {
      return byIds(ids, await q.paymentsByIds(d, [...ids]), (r) => r.id);
    }),
    /** A person's saved payment methods (User.savedPaymentMethods): the default first. */
    savedMethodsByUser: new DataLoader<string, q.SavedMethodRow[]>(async (ids) => {
      const g = groupBy(await q.savedMethodsOf(d, ids), (r) => r.userId);
      return ids.map((id) => g.get(id) ?? []);
    }),
    /** Per status order counts of buyers (User.orderCounts and the buyer's list totals share them). */
    buyerStatusCounts: new DataLoader<string, Partial<Record<q.OrderStatus, number>>>(async (ids) => {
      const g = groupBy(await q.countsByStatus(d, [...ids]), (r) => r.buyerId);
      return ids.map((id) => Object.fromEntries((g.get(id) ?? []).map((r) => [r.status, r.count])));
    }),
    /** Per status order counts and totals of stores (Store.orderCounts, Store.stats and the store's list totals share them). */
    storeStatusTotals: new DataLoader<string, Partial<Record<q.OrderStatus, { count: number; total: number }>>>(async (ids) => {
      const g = groupBy(await q.storeStatusTotals(d, [...ids]), (r) => r.storeId);
      return ids.map((id) => Object.fromEntries((g.get(id) ?? []).map((r) => [r.status, { count: r.count, total: r.total }])));
    }),
    storeRating: new DataLoader<string, number | null>(async (ids) => {
      const rows = await q.storeRatings(d, [...ids]);
      return ids.map((id) => rows.find((x) => x.storeId === id)?.rating ?? null);
    }),
    /**
     * Ratings, review counts and pages of reviews of products. One statement per distinct
     * page (limit, cursor) serves those pages and the ratings of their products; the
     * products asked for their rating alone (a search page) share one more statement.
     */
    productReviews: new DataLoader<ReviewsKey, ProductReviews, string>(
      async (keys) => {
        const stats = new Map<string, { rating: number; count: number }>();
        const pages = new Map<string, q.ReviewRow[]>();
        const covered = new Set<string>();
        const pageGroups = groupBy(
          keys.filter((k) => k.page !== null),
          (k) => JSON.stringify([k.page!.limit, k.page!.before]),
        );
        for (const group of pageGroups.values()) {
          const { limit, before } = group[0].page!;
          const productIds = [...new Set(group.map((k) => k.productId))];
          const r = await q.reviewPages(d, productIds, limit, before);
          for (const s of r.stats) stats.set(s.productId, s);
          const byProduct = groupBy(r.reviews, (x) => x.productId);
          for (const k of group) pages.set(reviewsCacheKey(k), byProduct.get(k.productId) ?? []);
          for (const id of productIds) covered.add(id);
        }
        const ratingOnly = [...new Set(keys.map((k) => k.productId).filter((id) => !covered.has(id)))];
        for (const s of await q.productRatings(d, ratingOnly)) stats.set(s.productId, s);
        return keys.map((k) => ({
          rating: stats.get(k.productId)?.rating ?? null,
          count: stats.get(k.productId)?.count ?? 0,
          reviews: pages.get(reviewsCacheKey(k)) ?? [],
        }));
      },
      { cacheKeyFn: reviewsCacheKey },
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
