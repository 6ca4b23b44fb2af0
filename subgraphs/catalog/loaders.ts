/**
 * DataLoaders of the catalog subgraph, new for every request: every reference
 * and every to-one/to-many lookup goes through one, so a page's SQL count does
 * not grow with its length.
 */
import DataLoader from 'dataloader';
import type { Database } from '../../platform/db.ts';
import { byIds, groupBy } from '../../platform/collections.ts';
import { PrimedLoader } from '../../platform/loader.ts';
import { isId } from '../../platform/scalars.ts';
import * as q from './db/queries/index.ts';

/** Each key's rows (none: an empty list), in the order a DataLoader batch must answer in. */
function grouped<T>(keys: readonly string[], rows: T[], keyOf: (r: T) => string): T[][] {
  const groups = groupBy(rows, keyOf);
  return keys.map((k) => groups.get(k) ?? []);
}

/** A loader by UUID that answers null for anything that is not one, without asking the database (a primed row at once: platform/loader.ts). */
function idLoader<T extends { id: string }>(load: (ids: string[]) => Promise<T[]>): PrimedLoader<string, T | null> {
  return new PrimedLoader<string, T | null>(async (keys) => {
    const ids = keys.filter(isId);
    const rows = ids.length ? await load(ids) : [];
    return byIds(keys, rows, (r) => r.id);
  });
}

export interface StoreProductsKey {
  storeId: string;
  limit: number;
  after: q.Keyset | null;
  /** The archived products (the owner's list) instead of those on sale. */
  archived?: boolean;
}

export function createLoaders(db: Database) {
  const d = db.drizzle;
  const store = idLoader((ids) => q.storesByIds(d, ids));
  const product = idLoader((ids) => q.productsByIds(d, ids));
  const variant = idLoader((ids) => q.variantsByIds(d, ids));
  const followerCount = new PrimedLoader<string, number>(async (storeIds) => {
    const counts = await q.followerCounts(d, storeIds);
    return storeIds.map((id) => counts.get(id) ?? 0);
  });
  /** A cart line's statement joins its variant, product and store (a cart page shows them): their loaders need not read them again. */
  const primeLines = (lines: q.LineWithVariant[]) => {
    for (const l of lines) {
      variant.prime(l.variant.id, l.variant);
      product.prime(l.product.id, l.product);
      store.prime(l.store.id, l.store);
    }
  };
  const cartLines = new DataLoader<string, q.LineWithVariant[]>(async (cartIds) => {
    const lines = await q.linesByCartIds(d, cartIds);
    primeLines(lines);
    return grouped(cartIds, lines, (l) => l.cartId);
  });
  return {
    category: idLoader((ids) => q.categoriesByIds(d, ids)),
    store,
    product,
    variant,
    /** Query.product: one statement also loads the store and its follower count (a product page shows both) and primes their loaders. */
    productPage: idLoader(async (ids) => {
      const rows = await q.productPagesByIds(d, ids);
      for (const r of rows) {
        product.prime(r.product.id, r.product);
        store.prime(r.store.id, r.store);
        followerCount.prime(r.store.id, r.followerCount);
      }
      return rows.map((r) => r.product);
    }),
    variantsByProduct: new DataLoader<string, q.VariantRow[]>(async (productIds) =>
      grouped(productIds, await q.variantsByProductIds(d, productIds), (v) => v.productId),
    ),
    followerCount,
    /** Stores' own shipping settings (null: the defaults, service/shipping.ts). */
    storeShipping: new DataLoader<string, q.StoreShippingRow | null>(async (storeIds) => {
      const rows = await q.shippingOfStores(d, storeIds.filter(isId));
      return storeIds.map((id) => rows.find((r) => r.storeId === id) ?? null);
    }),
    productCountByStore: new DataLoader<string, number>(async (storeIds) => {
      const counts = await q.productCountsByStore(d, storeIds);
      return storeIds.map((id) => counts.get(id) ?? 0);
    }),
    archivedCountByStore: new DataLoader<string, number>(async (storeIds) => {
      const counts = await q.productCountsByStore(d, storeIds, true);
      return storeIds.map((id) => counts.get(id) ?? 0);
    }),
    cartLines,
    /**
     * People's own carts (User.cart), by owner: one statement reads each cart with its lines
     * (a dashboard shows both) and primes the cart-lines loader; null for a person without one.
     */
    cartOfOwner: new DataLoader<string, q.CartRow | null>(async (ownerIds) => {
      const found = await q.cartsWithLinesByOwners(d, ownerIds.filter(isId));
      for (const c of found) {
        primeLines(c.lines);
        cartLines.prime(c.cart.id, c.lines);
      }
      return byIds(ownerIds, found, (c) => c.cart.ownerId!).map((c) => c?.cart ?? null);
    }),
    /** Pages of several stores' products: one statement per distinct (limit, after). */
    storeProducts: new DataLoader<StoreProductsKey, q.ProductRow[], string>(
      async (keys) => {
        const groups = new Map<string, StoreProductsKey[]>();
        for (const k of keys) {
          const g = JSON.stringify([k.limit, k.after, k.archived ?? false]);
          groups.set(g, [...(groups.get(g) ?? []), k]);
        }
        const results = new Map<string, q.ProductRow[]>();
        for (const [g, ks] of groups) {
          const storeIds = [...new Set(ks.map((k) => k.storeId))];
          const rows = await q.storeProductPages(d, storeIds, ks[0].limit, ks[0].after, ks[0].archived ?? false);
          for (const k of ks)
            results.set(
              JSON.stringify([g, k.storeId]),
              rows.filter((r) => r.storeId === k.storeId),
            );
        }
        return keys.map((k) => results.get(JSON.stringify([JSON.stringify([k.limit, k.after, k.archived ?? false]), k.storeId])) ?? []);
      },
      { cacheKeyFn: (k) => JSON.stringify(k) },
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
