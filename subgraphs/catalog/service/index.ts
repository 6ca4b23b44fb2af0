/**
 * The catalog subgraph's rules, authorization and transactions, one area a file:
 * stores.ts (opening stores, unique names), products.ts (categories, products,
 * variants), lists.ts (Wish List, Store List), carts.ts, search.ts (search and
 * product pages), checkout.ts (what the orders subgraph asks: quotes, stock
 * reservations), moderation.ts (store suspensions by admins).
 */
import type { Viewer } from '../../../platform/auth.ts';
import { isId } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { CartService } from './carts.ts';
import { CheckoutService } from './checkout.ts';
import { ListService } from './lists.ts';
import { ModerationService } from './moderation.ts';
import { ProductService } from './products.ts';
import { SearchService } from './search.ts';
import { StoreService } from './stores.ts';

export class CatalogService {
  readonly stores: StoreService;
  readonly products: ProductService;
  readonly lists: ListService;
  readonly carts: CartService;
  readonly search: SearchService;
  readonly checkout: CheckoutService;
  readonly moderation: ModerationService;

  constructor(deps: SubgraphDeps) {
    this.stores = new StoreService(deps);
    this.products = new ProductService(deps);
    this.lists = new ListService(deps);
    this.carts = new CartService(deps);
    this.search = new SearchService(deps.db);
    this.checkout = new CheckoutService(deps);
    this.moderation = new ModerationService(deps);
  }

  /** A User reference is only ever the viewer: anyone else's answers null. */
  userReference(viewer: Viewer | null, id: string): { id: string } | null {
    return viewer && isId(id) && viewer.id === id ? { id } : null;
  }
}
