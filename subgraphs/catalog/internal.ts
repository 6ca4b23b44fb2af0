/**
 * Operations other subgraphs call (docs/internal-api.md, catalog section):
 * storesByIds, checkoutQuote, reserveStock, releaseStock, removeCartLines,
 * suspendStore.
 * Nothing here trusts its input: it is checked here, the rules are in
 * service/checkout.ts. Business failures answer `{ ok: false, error }`.
 */
import { UserErrorException } from '../../platform/errors.ts';
import type { InternalRoutes } from '../../platform/internal.ts';
import { isId } from '../../platform/scalars.ts';
import type { CatalogService } from './service/index.ts';
import { failure, type StockItem } from './service/checkout.ts';

const MAX_ITEMS = 500;

function ids(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length > 1000 || !value.every((x) => typeof x === 'string')) return null;
  return value as string[];
}

function validKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= 500 && !key.includes('\u0000');
}

/** Reservation items: one per variant (quantities added up), sorted by variant id; null when malformed. */
function stockItems(items: unknown): StockItem[] | null {
  const totals = new Map<string, number>();
  for (const it of items as { variantId?: unknown; quantity?: unknown }[]) {
    if (!isId(it?.variantId) || !Number.isInteger(it.quantity) || (it.quantity as number) < 1 || (it.quantity as number) > 1_000_000) return null;
    const id = it.variantId.toLowerCase();
    totals.set(id, (totals.get(id) ?? 0) + (it.quantity as number));
  }
  return [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([variantId, quantity]) => ({ variantId, quantity }));
}

export function internalRoutes(service: CatalogService): InternalRoutes {
  const checkout = service.checkout;
  return {
    async storesByIds(input: { ids?: unknown }) {
      return { stores: await checkout.stores((ids(input?.ids) ?? []).filter(isId)) };
    },

    async checkoutQuote(input: { buyerId?: unknown; cartId?: unknown; lineIds?: unknown }) {
      const buyerId = isId(input?.buyerId) ? input.buyerId : null;
      const given = input?.cartId !== undefined && input?.cartId !== null;
      // a cartId that is not a UUID cannot exist
      if (given && !isId(input.cartId)) return failure('NOT_FOUND', 'Cart not found.', { field: 'cartId' });
      const cart = await checkout.quoteCart(buyerId, given ? (input.cartId as string) : null);
      if ('ok' in cart) return cart;
      let lineIds: string[] | null = null;
      if (input.lineIds !== undefined && input.lineIds !== null) {
        const wanted = ids(input.lineIds);
        if (!wanted) return failure('INVALID_INPUT', 'lineIds must be a list of ids.', { field: 'lineIds' });
        lineIds = wanted.map((id) => id.toLowerCase());
      }
      return checkout.quote(cart, lineIds);
    },

    async reserveStock(input: { key?: unknown; items?: unknown }) {
      const key = input?.key;
      const items = input?.items;
      if (!validKey(key)) return failure('INVALID_INPUT', 'A key is required.', { field: 'key' });
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS) {
        return failure('INVALID_INPUT', 'items must list 1 to 500 items.', { field: 'items' });
      }
      const wanted = stockItems(items);
      if (!wanted) return failure('INVALID_INPUT', 'Each item needs a variantId and a quantity from 1.', { field: 'items' });
      return checkout.reserve(key, wanted);
    },

    async releaseStock(input: { key?: unknown }) {
      const key = input?.key;
      if (!validKey(key)) return failure('INVALID_INPUT', 'A key is required.', { field: 'key' });
      return checkout.release(key);
    },

    /** For messaging's resolveReport (SUSPEND_STORE), whose caller checked that the actor is an admin. */
    async suspendStore(input: { actorId?: unknown; storeId?: unknown; reason?: unknown }) {
      const { actorId, storeId, reason } = input ?? {};
      if (!isId(actorId) || !isId(storeId) || typeof reason !== 'string' || !reason.trim() || reason.length > 1000) {
        return failure('INVALID_INPUT', 'actorId, storeId and a reason are required.');
      }
      try {
        return { ok: true, already: (await service.moderation.suspend(actorId, storeId.toLowerCase(), reason.trim())) === 'already' };
      } catch (err) {
        if (err instanceof UserErrorException) return failure(err.userError.code, err.userError.message);
        throw err;
      }
    },

    async removeCartLines(input: { cartId?: unknown; lineIds?: unknown }) {
      const lineIds = (ids(input?.lineIds) ?? []).filter(isId);
      if (!isId(input?.cartId)) return failure('NOT_FOUND', 'Cart not found.', { field: 'cartId' });
      return checkout.removeLines(input.cartId, lineIds);
    },
  };
}
