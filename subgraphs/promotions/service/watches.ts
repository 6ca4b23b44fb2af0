/**
 * Price watches (the "AliExpress Alert"). The catalog has no operation to read
 * a product's price, so promotions keeps its own table of product minimum
 * prices, maintained from product.price_changed events.
 */
import { UserErrorException, fail, unauthenticated } from '../../../platform/errors.ts';
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import type { BusEvent } from '../../../platform/events/bus.ts';
import { publish } from '../../../platform/events/bus.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';

export async function watchPrice(deps: SubgraphDeps, viewer: Viewer | null, productId: string): Promise<{ productId: string }> {
  if (!viewer) throw unauthenticated();
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
    deps.log.warn('catalog unavailable for watchPrice; using the last known price', { err: String(err) });
  }
  await deps.db.drizzle.transaction(async (tx) => {
    // last seen: the current price; unknown: null until the first price event
    const lastSeen = price ?? (await q.productMinPrice(tx, productId));
    await q.insertWatch(tx, viewer.id, productId, lastSeen, deps.clock.now());
  });
  return { productId };
}

export async function unwatchPrice(deps: SubgraphDeps, viewer: Viewer | null, productId: string): Promise<{ productId: string }> {
  if (!viewer) throw unauthenticated();
  if (!isId(productId)) fail('NOT_FOUND', 'There is no such product.', ['productId']);
  await q.deleteWatch(deps.db.drizzle, viewer.id, productId);
  return { productId };
}

interface PriceChanged {
  productId?: string;
  title?: string;
  oldMinPrice?: number | string | null;
  newMinPrice?: number | string | null;
}

const cents = (v: unknown): number | null => {
  const n = v === null || v === undefined || v === '' ? NaN : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

/** product.price_changed: learn the price; tell every watcher who last saw a higher one, once. */
export async function onPriceChanged(tx: Tx, event: BusEvent): Promise<void> {
  const p = event.payload as PriceChanged;
  const price = cents(p.newMinPrice);
  if (!isId(p.productId) || price === null) return;
  const title = typeof p.title === 'string' ? p.title : null;
  await q.upsertProductPrice(tx, p.productId, price, title, event.seq);
  // Watchers who started before we knew any price watched at the old minimum price.
  await q.setFirstSeenPrice(tx, p.productId, cents(p.oldMinPrice) ?? price);
  const dropped = await q.lowerLastSeen(tx, p.productId, price);
  await publish(
    tx,
    dropped.map((d) => ({
      topic: 'promotion.price_dropped',
      payload: { userId: d.user_id, productId: p.productId, title, previousPrice: Number(d.previous), newPrice: price },
      audience: [d.user_id],
    })),
  );
}

/** user.deactivated: the person's unused wallet entries and watches go. */
export async function onUserDeactivated(tx: Tx, event: BusEvent): Promise<void> {
  const userId = (event.payload as { userId?: string }).userId;
  if (!isId(userId)) return;
  await q.deleteUnusedWallet(tx, userId);
  await q.deleteWatchesOf(tx, userId);
}
