/**
 * The catalog subgraph's rules, authorization and transactions, one area a file:
 * stores.ts (opening stores, unique names), products.ts (categories, products,
 * variants), lists.ts (Wish List, Store List), carts.ts, search.ts (search and
 * product pages), checkout.ts (what the orders subgraph asks: quotes, stock
 * reservations), shipping.ts (stores' handling time and shipping options).
 */
import type { Viewer } from '../../../platform/auth.ts';
import { isId } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { CartService } from './carts.ts';
import { CheckoutService } from './checkout.ts';
import { ListService } from './lists.ts';
import { ProductService } from './products.ts';
import { SearchService } from './search.ts';
import { ShippingService } from './shipping.ts';
import { StoreService } from './stores.ts';

export class CatalogService {
  readonly stores: StoreService;
  readonly products: ProductService;
  readonly lists: ListService;
  readonly carts: CartService;
  readonly search: SearchService;
  readonly checkout: CheckoutService;
  readonly shipping: ShippingService;

  constructor(deps: SubgraphDeps) {
    this.stores = new StoreService(deps);
    this.products = new ProductService(deps);
    this.lists = new ListService(deps);
    this.carts = new CartService(deps);
    this.search = new SearchService(deps.db);
    this.shipping = new ShippingService(deps);
    this.checkout = new CheckoutService(deps, this.shipping);
  }

  /** A User reference is only ever the viewer: anyone else's answers null. */
  userReference(viewer: Viewer | null, id: string): { id: string } | null {
    return viewer && isId(id) && viewer.id === id ? { id } : null;
  }
}
