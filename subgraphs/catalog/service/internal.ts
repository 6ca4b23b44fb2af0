/**
 * Operations other subgraphs call (docs/internal-api.md, catalog section):
 * storesByIds, checkoutQuote, reserveStock, releaseStock, removeCartLines.
 * Business failures answer `{ ok: false, error }`; nothing here trusts its input.
 */
import { publish } from '../../../platform/events/bus.ts';
import type { InternalRoutes } from '../../../platform/internal.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';

type Failure = { ok: false; error: { code: string; message: string; field?: string; variantId?: string } };
const failure = (code: string, message: string, extra: Record<string, string> = {}): Failure => ({
  ok: false,
  error: { code, message, ...extra },
});

const MAX_ITEMS = 500;

function ids(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length > 1000 || !value.every((x) => typeof x === 'string')) return null;
  return value as string[];
}

function validKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= 500 && !key.includes('\u0000');
}

class OutOfStock extends Error {
  constructor(readonly variantId: string) {
    super('out of stock');
  }
}

export function internalRoutes(deps: SubgraphDeps): InternalRoutes {
  const db = deps.db.drizzle;
  return {
    async storesByIds(input: { ids?: unknown }) {
      const list = (ids(input?.ids) ?? []).filter(isId);
      const rows = list.length ? await q.storesByIds(db, list) : [];
      return { stores: rows.map((s) => ({ id: s.id, ownerId: s.ownerId, name: s.name })) };
    },

    async checkoutQuote(input: { buyerId?: unknown; cartId?: unknown; lineIds?: unknown }) {
      const buyerId = isId(input?.buyerId) ? input.buyerId : null;
      let cart: q.CartRow | null;
      if (input?.cartId !== undefined && input?.cartId !== null) {
        cart = isId(input.cartId) ? await q.cartById(db, input.cartId) : null;
        // a guest cart, or the buyer's own; anyone else's does not exist for this buyer
        if (!cart || (cart.ownerId && cart.ownerId !== buyerId)) return failure('NOT_FOUND', 'Cart not found.', { field: 'cartId' });
      } else {
        if (!buyerId) return failure('INVALID_INPUT', 'A buyerId or a cartId is required.');
        cart = await q.cartByOwner(db, buyerId);
        if (!cart) return failure('INVALID_INPUT', 'The cart is empty.', { field: 'lineIds' });
      }
      let lines = await q.quoteLines(db, cart.id);
      if (input.lineIds !== undefined && input.lineIds !== null) {
        const wanted = ids(input.lineIds);
        if (!wanted) return failure('INVALID_INPUT', 'lineIds must be a list of ids.', { field: 'lineIds' });
        const have = new Set(lines.map((l) => l.lineId));
        if (wanted.some((id) => !have.has(id.toLowerCase()))) return failure('NOT_FOUND', 'A cart line was not found.', { field: 'lineIds' });
        const set = new Set(wanted.map((id) => id.toLowerCase()));
        lines = lines.filter((l) => set.has(l.lineId));
      }
      if (!lines.length) return failure('INVALID_INPUT', 'Nothing to check out: the selection is empty.', { field: 'lineIds' });
      return { ok: true, cartId: cart.id, lines };
    },

    async reserveStock(input: { key?: unknown; items?: unknown }) {
      const key = input?.key;
      const items = input?.items;
      if (!validKey(key)) return failure('INVALID_INPUT', 'A key is required.', { field: 'key' });
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS) {
        return failure('INVALID_INPUT', 'items must list 1 to 500 items.', { field: 'items' });
      }
      const totals = new Map<string, number>();
      for (const it of items as { variantId?: unknown; quantity?: unknown }[]) {
        if (!isId(it?.variantId) || !Number.isInteger(it.quantity) || (it.quantity as number) < 1 || (it.quantity as number) > 1_000_000) {
          return failure('INVALID_INPUT', 'Each item needs a variantId and a quantity from 1.', { field: 'items' });
        }
        const id = it.variantId.toLowerCase();
        totals.set(id, (totals.get(id) ?? 0) + (it.quantity as number));
      }
      // a fixed lock order (by variant id) keeps concurrent reservations from deadlocking
      const wanted = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([variantId, quantity]) => ({ variantId, quantity }));
      try {
        await db.transaction(async (tx) => {
          const claimed = await q.claimReservation(tx, key, wanted, deps.clock.now());
          if (!claimed.length) return; // this key reserved before: nothing more
          const changed = [];
          for (const w of wanted) {
            const [row] = await q.takeStock(tx, w.variantId, w.quantity);
            if (!row) throw new OutOfStock(w.variantId);
            changed.push(row);
          }
          await publish(
            tx,
            changed.map((r) => ({ topic: 'product.stock_changed', payload: { productId: r.productId, variantId: r.id, stock: r.stock }, audience: [] })),
          );
        });
        return { ok: true };
      } catch (err) {
        if (!(err instanceof OutOfStock)) throw err;
        const [exists] = await q.variantsByIds(db, [err.variantId]);
        if (!exists) return failure('NOT_FOUND', 'A variant does not exist.', { variantId: err.variantId });
        return failure('OUT_OF_STOCK', `Not enough stock: ${exists.stock} left.`, { variantId: err.variantId });
      }
    },

    async releaseStock(input: { key?: unknown }) {
      const key = input?.key;
      if (!validKey(key)) return failure('INVALID_INPUT', 'A key is required.', { field: 'key' });
      await db.transaction(async (tx) => {
        const now = deps.clock.now();
        const [released] = await q.markReleased(tx, key, now);
        if (!released) {
          // unknown key: remember it, so a reservation arriving late can never take stock
          await q.tombstoneReservation(tx, key, now);
          return;
        }
        const items = (typeof released.items === 'string' ? JSON.parse(released.items) : released.items) as { variantId: string; quantity: number }[];
        const changed = [];
        for (const it of [...items].sort((a, b) => (a.variantId < b.variantId ? -1 : 1))) {
          const [row] = await q.giveStock(tx, it.variantId, it.quantity);
          if (row) changed.push(row);
        }
        await publish(
          tx,
          changed.map((r) => ({ topic: 'product.stock_changed', payload: { productId: r.productId, variantId: r.id, stock: r.stock }, audience: [] })),
        );
      });
      return { ok: true };
    },

    async removeCartLines(input: { cartId?: unknown; lineIds?: unknown }) {
      const lineIds = (ids(input?.lineIds) ?? []).filter(isId);
      if (!isId(input?.cartId)) return failure('NOT_FOUND', 'Cart not found.', { field: 'cartId' });
      if (lineIds.length) await q.deleteLines(db, input.cartId, lineIds);
      return { ok: true };
    },
  };
}
