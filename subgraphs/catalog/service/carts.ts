/**
 * Carts: guest carts addressed by an unguessable id (random UUID v4), the
 * signed-in person's cart (created on first use), lines with quantities 1–999
 * that stock must cover, and merging a guest cart into the viewer's.
 *
 * Cart operations are open to guests (a guest cart is addressed by its id), so
 * they take the viewer as `Viewer | null`; a person's own cart needs one.
 */
import crypto from 'node:crypto';
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden, unauthenticated } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries/index.ts';
import { LIMITS, existingId, quantity } from './validate.ts';

export class CartService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  /**
   * The signed-in person's cart, created on first use. `reader` reads an existing one
   * (a request's loader, which reads its lines with it); by default one statement of its own.
   */
  async ownCart(userId: string, reader?: { load(ownerId: string): Promise<q.CartRow | null> }): Promise<q.CartRow> {
    const existing = reader ? await reader.load(userId) : await q.cartByOwner(this.db, userId);
    if (existing) return existing;
    const [created] = await q.insertCart(this.db, { id: crypto.randomUUID(), ownerId: userId, createdAt: this.deps.clock.now() });
    return created ?? (await q.cartByOwner(this.db, userId))!;
  }

  async createGuestCart(): Promise<q.CartRow> {
    const [cart] = await q.insertCart(this.db, { id: crypto.randomUUID(), ownerId: null, createdAt: this.deps.clock.now() });
    return cart;
  }

  /** A cart by id for a read: a guest cart, or the viewer's own; null otherwise. */
  async cartForRead(viewer: Viewer | null, id: string): Promise<q.CartRow | null> {
    if (!isId(id)) return null;
    const cart = await q.cartById(this.db, id);
    if (!cart) return null;
    if (cart.ownerId && cart.ownerId !== viewer?.id) return null;
    return cart;
  }

  /** The cart a mutation acts on: `cartId` (a guest cart or the viewer's own), else the viewer's. */
  private async cartFor(viewer: Viewer | null, cartId: string | null | undefined): Promise<q.CartRow> {
    if (cartId === null || cartId === undefined) {
      if (!viewer) throw unauthenticated();
      return this.ownCart(viewer.id);
    }
    const id = existingId(cartId, ['cartId'], 'Cart');
    const cart = await q.cartById(this.db, id);
    if (!cart) fail('NOT_FOUND', 'Cart not found.', ['cartId']);
    if (cart.ownerId && cart.ownerId !== viewer?.id) {
      if (!viewer) throw unauthenticated('Sign in to use this cart.');
      throw forbidden('This cart is not yours.');
    }
    return cart;
  }

  async addToCart(viewer: Viewer | null, cartId: string | null | undefined, variantId: string, qty: number): Promise<q.CartRow> {
    const n = quantity(qty, ['quantity']);
    const vid = existingId(variantId, ['variantId'], 'Variant');
    const cart = await this.cartFor(viewer, cartId);
    await this.db.transaction(async (tx) => {
      await q.lockCart(tx, cart.id);
      const variant = await q.variantStock(tx, vid);
      if (!variant) fail('NOT_FOUND', 'Variant not found.', ['variantId']);
      if (!variant.available) fail('PRODUCT_UNAVAILABLE', 'This product is no longer available.', ['variantId']);
      const line = await q.lockLine(tx, cart.id, { variantId: vid });
      const total = (line?.quantity ?? 0) + n;
      if (total > LIMITS.quantity[1]) {
        fail('INVALID_INPUT', `A cart line holds at most ${LIMITS.quantity[1]} units.`, ['quantity']);
      }
      if (total > variant.stock) {
        fail('OUT_OF_STOCK', variant.stock === 0 ? 'This item is out of stock.' : `Only ${variant.stock} left in stock.`, ['quantity']);
      }
      if (line) await q.setLineQuantity(tx, line.id, total);
      else await q.insertLine(tx, { cartId: cart.id, variantId: vid, quantity: total, createdAt: this.deps.clock.now() });
    });
    return cart;
  }

  /** Sets a line's quantity; 0 removes it. Raising it needs stock; lowering it never does. */
  async updateCartLine(viewer: Viewer | null, cartId: string | null | undefined, lineId: string, qty: number): Promise<q.CartRow> {
    const n = quantity(qty, ['quantity'], true);
    const lid = existingId(lineId, ['lineId'], 'Cart line');
    const cart = await this.cartFor(viewer, cartId);
    await this.db.transaction(async (tx) => {
      const line = await q.lockLine(tx, cart.id, { lineId: lid });
      if (!line) fail('NOT_FOUND', 'Cart line not found.', ['lineId']);
      if (n === 0) {
        await q.deleteLine(tx, cart.id, line.id);
        return;
      }
      if (n > line.quantity) {
        const variant = await q.variantStock(tx, line.variantId);
        if (variant && !variant.available) fail('PRODUCT_UNAVAILABLE', 'This product is no longer available.', ['lineId']);
        if (!variant || n > variant.stock) {
          fail('OUT_OF_STOCK', variant?.stock ? `Only ${variant.stock} left in stock.` : 'This item is out of stock.', ['quantity']);
        }
      }
      await q.setLineQuantity(tx, line.id, n);
    });
    return cart;
  }

  async removeCartLine(viewer: Viewer | null, cartId: string | null | undefined, lineId: string): Promise<q.CartRow> {
    const lid = existingId(lineId, ['lineId'], 'Cart line');
    const cart = await this.cartFor(viewer, cartId);
    const removed = await q.deleteLine(this.db, cart.id, lid);
    if (!removed.length) fail('NOT_FOUND', 'Cart line not found.', ['lineId']);
    return cart;
  }

  /**
   * Moves a guest cart's lines into the viewer's cart: quantities add up, capped
   * by stock and 999 (a line never shrinks); the guest cart is emptied. Merging
   * an emptied cart again changes nothing.
   */
  async mergeGuestCart(viewer: Viewer, guestCartId: string): Promise<q.CartRow> {
    const gid = existingId(guestCartId, ['guestCartId'], 'Cart');
    const guest = await q.cartById(this.db, gid);
    if (!guest) fail('NOT_FOUND', 'Cart not found.', ['guestCartId']);
    if (guest.ownerId === viewer.id) fail('INVALID_INPUT', 'This is already your cart.', ['guestCartId']);
    if (guest.ownerId) throw forbidden('This cart is not yours.');
    const own = await this.ownCart(viewer.id);
    await this.db.transaction(async (tx) => {
      const guestLines = await q.lockLinesOf(tx, gid);
      if (!guestLines.length) return;
      const ownLines = new Map((await q.lockLinesOf(tx, own.id)).map((l) => [l.variantId, l]));
      const stock = new Map(
        (
          await q.stocksOf(
            tx,
            guestLines.map((l) => l.variantId),
          )
        ).map((v) => [v.id, v.stock]),
      );
      for (const g of guestLines) {
        const existing = ownLines.get(g.variantId);
        const have = existing?.quantity ?? 0;
        const wanted = Math.min(have + g.quantity, LIMITS.quantity[1], stock.get(g.variantId) ?? 0);
        const next = Math.max(have, wanted);
        if (existing) {
          if (next !== have) await q.setLineQuantity(tx, existing.id, next);
        } else if (next >= 1) {
          await q.insertLine(tx, { cartId: own.id, variantId: g.variantId, quantity: next, createdAt: g.createdAt });
        }
      }
      await q.deleteAllLines(tx, gid);
    });
    return own;
  }
}
