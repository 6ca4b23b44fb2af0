/**
 * Price watches (the "AliExpress Alert"). The catalog has no operation to read
 * a product's price, so promotions keeps its own table of product minimum
 * prices, maintained from product.price_changed events (events.ts).
 */
import { UserErrorException, fail } from '../../../platform/errors.ts';
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';

export async function watchPrice(deps: SubgraphDeps, viewer: Viewer, productId: string): Promise<{ productId: string }> {
  if (!isId(productId)) fail('NOT_FOUND', 'There is no such product.', ['productId']);
  // Before any transaction (the catalog may share our PGlite): does the product
  // exist, and at what minimum price? Unreachable catalog: fall back to what we know.
  let price: number | null | undefined;
  try {
    const [product] = await deps.internal.entities<{ priceRange?: { min?: { amount?: string } } }>(
      'catalog',
      [{ __typename: 'Product', id: productId }],
      '... on Product { priceRange { min { amount } } }',
    );
    if (!product) fail('NOT_FOUND', 'There is no such product.', ['productId']);
    price = parseMoney(product.priceRange?.min?.amount ?? '');
  } catch (err) {
    if (err instanceof UserErrorException) throw err;
    deps.log.warn('catalog unavailable for watchPrice; using the last known price', { err });
  }
  await deps.db.drizzle.transaction(async (tx) => {
    // last seen: the current price; unknown: null until the first price event
    const lastSeen = price ?? (await q.productMinPrice(tx, productId));
    await q.insertWatch(tx, viewer.id, productId, lastSeen, deps.clock.now());
  });
  return { productId };
}

export async function unwatchPrice(deps: SubgraphDeps, viewer: Viewer, productId: string): Promise<{ productId: string }> {
  if (!isId(productId)) fail('NOT_FOUND', 'There is no such product.', ['productId']);
  await q.deleteWatch(deps.db.drizzle, viewer.id, productId);
  return { productId };
}

export interface PriceChange {
  productId: string;
  title: string | null;
  /** The new minimum price, cents. */
  price: number;
  /** The minimum price before the change, when the event tells it. */
  oldPrice: number | null;
  /** The event's position: an older event never overwrites a newer price. */
  seq: number;
}

/** A watcher to tell: the price they last saw, now lower. */
export interface PriceDrop {
  userId: string;
  previousPrice: number;
}

/**
 * Learns a product's new price; every watcher who last saw a higher one is
 * told once (their last seen price becomes this one). In the event's transaction.
 */
export async function priceChanged(tx: Tx, change: PriceChange): Promise<PriceDrop[]> {
  await q.upsertProductPrice(tx, change.productId, change.price, change.title, change.seq);
  // Watchers who started before we knew any price watched at the old minimum price.
  await q.setFirstSeenPrice(tx, change.productId, change.oldPrice ?? change.price);
  const dropped = await q.lowerLastSeen(tx, change.productId, change.price);
  return dropped.map((d) => ({ userId: d.userId, previousPrice: d.previous }));
}

/** A deactivated person's unused wallet entries and watches go. */
export async function forgetUser(tx: Tx, userId: string): Promise<void> {
  await q.deleteUnusedWallet(tx, userId);
  await q.deleteWatchesOf(tx, userId);
}
