/**
 * The Wish List (products a person saved, newest first) and the Store List
 * (stores a person follows), and forgetting both when a person is deactivated.
 */
import type { Viewer } from '../../../platform/auth.ts';
import type { Executor } from '../../../platform/db.ts';
import { fail } from '../../../platform/errors.ts';
import type { Connection } from '../../../platform/pagination.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import { page } from './search.ts';
import { existingId } from './validate.ts';

export class ListService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  private async product(productId: string, field: string[]): Promise<q.ProductRow> {
    const id = existingId(productId, field, 'Product');
    const [product] = await q.productsByIds(this.db, [id]);
    if (!product) fail('NOT_FOUND', 'Product not found.', field);
    return product;
  }

  private async store(storeId: string, field: string[]): Promise<q.StoreRow> {
    const id = existingId(storeId, field, 'Store');
    const [store] = await q.storesByIds(this.db, [id]);
    if (!store) fail('NOT_FOUND', 'Store not found.', field);
    return store;
  }

  async addToWishList(viewer: Viewer, productId: string): Promise<q.ProductRow> {
    const product = await this.product(productId, ['productId']);
    await q.addWish(this.db, { userId: viewer.id, productId: product.id, createdAt: this.deps.clock.now() });
    return product;
  }

  async removeFromWishList(viewer: Viewer, productId: string): Promise<q.ProductRow> {
    const product = await this.product(productId, ['productId']);
    await q.removeWish(this.db, viewer.id, product.id);
    return product;
  }

  /** A person's Wish List, newest first. */
  wishList(userId: string, first: number | null | undefined, after: string | null | undefined): Promise<Connection<q.ProductRow>> {
    return page(
      'SAVED',
      first,
      after,
      (limit, keyset) => q.wishListPage(this.db, userId, limit, keyset),
      (r) => new Date(r.savedAtMs).toISOString(),
      () => q.wishListCount(this.db, userId),
    );
  }

  async followStore(viewer: Viewer, storeId: string): Promise<q.StoreRow> {
    const store = await this.store(storeId, ['storeId']);
    await q.follow(this.db, { userId: viewer.id, storeId: store.id, createdAt: this.deps.clock.now() });
    return store;
  }

  async unfollowStore(viewer: Viewer, storeId: string): Promise<q.StoreRow> {
    const store = await this.store(storeId, ['storeId']);
    await q.unfollow(this.db, viewer.id, store.id);
    return store;
  }

  /** The stores a person follows, most recently followed first. */
  storeList(userId: string): Promise<q.StoreRow[]> {
    return q.followedStores(this.db, userId);
  }

  /** user.deactivated: the person's cart, Wish List and Store List go; their stores stay. */
  forgetPerson(tx: Executor, userId: string): Promise<void> {
    return q.deleteUserData(tx, userId);
  }
}
