/**
 * The catalog subgraph's rules, authorization and transactions, in small parts:
 * service/products.ts (stores, products, variants, wish list, store list),
 * service/carts.ts, service/search.ts, service/internal.ts (other subgraphs' calls).
 */
import type { Viewer } from '../../platform/auth.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { isId } from '../../platform/scalars.ts';
import * as q from './db/queries.ts';
import type { Loaders } from './loaders.ts';
import { CartService, requireViewer } from './service/carts.ts';
import { ProductService } from './service/products.ts';
import * as search from './service/search.ts';

export { requireViewer };

export class CatalogService {
  readonly carts: CartService;
  readonly products: ProductService;

  constructor(readonly deps: SubgraphDeps) {
    this.carts = new CartService(deps);
    this.products = new ProductService(deps);
  }

  /** Every category in tree order: each top-level category followed by its subcategories. */
  async categories(): Promise<q.CategoryRow[]> {
    const all = await q.allCategories(this.deps.db.drizzle);
    const out: q.CategoryRow[] = [];
    const visit = (parentId: string | null) => {
      for (const c of all.filter((x) => x.parentId === parentId)) {
        out.push(c);
        visit(c.id);
      }
    };
    visit(null);
    return out;
  }

  searchProducts(loaders: Loaders, args: search.SearchArgs, withTotal: boolean) {
    return search.searchProducts(this.deps.db, loaders, args, withTotal);
  }

  wishList(userId: string, first?: number | null, after?: string | null) {
    return search.wishList(this.deps.db, userId, first, after);
  }

  storeProducts(loaders: Loaders, storeId: string, first?: number | null, after?: string | null) {
    return search.storeProducts(loaders, storeId, first, after);
  }

  storeList(userId: string): Promise<q.StoreRow[]> {
    return q.followedStores(this.deps.db.drizzle, userId);
  }

  storesOf(userId: string): Promise<q.StoreRow[]> {
    return q.storesByOwner(this.deps.db.drizzle, userId);
  }

  /** A User reference is only ever the viewer: anyone else's answers null. */
  userReference(viewer: Viewer | null, id: string): { id: string } | null {
    return viewer && isId(id) && viewer.id === id ? { id } : null;
  }

  /** user.deactivated: delete the person's cart, wish list and store list; their stores stay. */
  start(): void {
    this.deps.bus.consume('catalog.user-cleanup', ['user.deactivated'], this.deps.db, async (tx, event) => {
      const userId = event.payload.userId;
      if (isId(userId)) await q.deleteUserData(tx, userId);
    });
  }
}
