/**
 * What checkout (the orders subgraph) asks of the catalog, through internal
 * calls (internal.ts parses them): a quote of a cart's lines, stock reserved
 * and released under an idempotency key, bought lines removed from the cart.
 * Failures answer `{ ok: false, error }` (docs/internal-api.md, catalog section).
 */
import { publish } from '../../../platform/events/bus.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import { stockChanged } from '../events.ts';
import { STORE_SUSPENDED } from './moderation.ts';

export type Failure = { ok: false; error: { code: string; message: string; field?: string; variantId?: string } };
export const failure = (code: string, message: string, extra: Record<string, string> = {}): Failure => ({
  ok: false,
  error: { code, message, ...extra },
});

export interface StockItem {
  variantId: string;
  quantity: number;
}

/** A suspended store's products cannot be bought (service/moderation.ts). */
function storeSuspended(store: q.StoreRow): Failure {
  return failure(STORE_SUSPENDED, `${store.name} is suspended by the marketplace: its products cannot be bought right now.`, {
    field: 'lineIds',
    storeId: store.id,
  });
}

class StoreSuspended extends Error {
  constructor(readonly store: q.StoreRow) {
    super('store suspended');
  }
}

class OutOfStock extends Error {
  constructor(readonly variantId: string) {
    super('out of stock');
  }
}

export class CheckoutService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  /** The cart to check out: `cartId` (a guest cart, or the buyer's own), else the buyer's cart. */
  async quoteCart(buyerId: string | null, cartId: string | null): Promise<q.CartRow | Failure> {
    if (cartId !== null) {
      const cart = await q.cartById(this.db, cartId);
      // a guest cart, or the buyer's own; anyone else's does not exist for this buyer
      if (!cart || (cart.ownerId && cart.ownerId !== buyerId)) return failure('NOT_FOUND', 'Cart not found.', { field: 'cartId' });
      return cart;
    }
    if (!buyerId) return failure('INVALID_INPUT', 'A buyerId or a cartId is required.');
    const cart = await q.cartByOwner(this.db, buyerId);
    if (!cart) return failure('INVALID_INPUT', 'The cart is empty.', { field: 'lineIds' });
    return cart;
  }

  /** Everything checkout needs to know of the cart's lines: all of them, or only `lineIds` (lower-case ids). */
  async quote(cart: q.CartRow, lineIds: string[] | null) {
    let lines = await q.quoteLines(this.db, cart.id);
    if (lineIds) {
      const have = new Set(lines.map((l) => l.lineId));
      if (lineIds.some((id) => !have.has(id))) return failure('NOT_FOUND', 'A cart line was not found.', { field: 'lineIds' });
      const wanted = new Set(lineIds);
      lines = lines.filter((l) => wanted.has(l.lineId));
    }
    if (!lines.length) return failure('INVALID_INPUT', 'Nothing to check out: the selection is empty.', { field: 'lineIds' });
    const [suspended] = await q.suspendedStores(this.db, [...new Set(lines.map((l) => l.storeId))]);
    if (suspended) return storeSuspended(suspended);
    return { ok: true as const, cartId: cart.id, lines };
  }

  /**
   * Takes the items' stock, all or nothing, once per key: a key reserved
   * before changes nothing more, a key released before never reserves.
   * `items`: one per variant, sorted by variant id (a fixed lock order keeps
   * concurrent reservations from deadlocking).
   */
  async reserve(key: string, items: StockItem[]): Promise<{ ok: true } | Failure> {
    try {
      await this.db.transaction(async (tx) => {
        const claimed = await q.claimReservation(tx, key, items, this.deps.clock.now());
        if (!claimed.length) return; // this key reserved before: nothing more
        // the stores' rows locked: a suspension commits before this (refused here) or after it
        const suspended = (
          await q.lockStoresOfVariants(
            tx,
            items.map((w) => w.variantId),
          )
        ).find((s) => s.suspendedAt);
        if (suspended) throw new StoreSuspended(suspended);
        const changed = [];
        for (const w of items) {
          const [row] = await q.takeStock(tx, w.variantId, w.quantity);
          if (!row) throw new OutOfStock(w.variantId);
          changed.push(row);
        }
        await publish(tx, changed.map(stockChanged));
      });
      return { ok: true };
    } catch (err) {
      if (err instanceof StoreSuspended) return storeSuspended(err.store);
      if (!(err instanceof OutOfStock)) throw err;
      const [exists] = await q.variantsByIds(this.db, [err.variantId]);
      if (!exists) return failure('NOT_FOUND', 'A variant does not exist.', { variantId: err.variantId });
      return failure('OUT_OF_STOCK', `Not enough stock: ${exists.stock} left.`, { variantId: err.variantId });
    }
  }

  /** Gives a reservation's stock back, once; an unknown key is remembered so it can never reserve later. */
  async release(key: string): Promise<{ ok: true }> {
    await this.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      // tombstone first: an unknown key is remembered (a late reservation never takes stock), and
      // an in-flight reservation of the key is waited for, so that markReleased (a new statement) sees it
      await q.tombstoneReservation(tx, key, now);
      const [released] = await q.markReleased(tx, key, now);
      if (!released) return;
      const items = (typeof released.items === 'string' ? JSON.parse(released.items) : released.items) as StockItem[];
      const changed = [];
      for (const it of [...items].sort((a, b) => (a.variantId < b.variantId ? -1 : 1))) {
        const [row] = await q.giveStock(tx, it.variantId, it.quantity);
        if (row) changed.push(row);
      }
      await publish(tx, changed.map(stockChanged));
    });
    return { ok: true };
  }

  /** Bought lines leave the cart. */
  async removeLines(cartId: string, lineIds: string[]): Promise<{ ok: true }> {
    if (lineIds.length) await q.deleteLines(this.db, cartId, lineIds);
    return { ok: true };
  }

  /** Stores by id, as other subgraphs need them (id, owner, name). */
  async stores(ids: string[]) {
    const rows = ids.length ? await q.storesByIds(this.db, ids) : [];
    return rows.map((s) => ({ id: s.id, ownerId: s.ownerId, name: s.name }));
  }
}
