/**
 * Checkout step 2 (checkout.ts): what is being bought and where to. The cart's
 * lines quoted by catalog, checked (own store, already ordered, unavailable),
 * the shipping address from users, and one draft order per store with its
 * prices, titles, options and shipping snapshotted; then the coupons' discounts.
 */
import crypto from 'node:crypto';
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import type { Address, CheckoutInput, Quote, QuoteLine, Redeem } from './checkout-input.ts';
import { orderShipping } from './shipping.ts';

/** An order about to be written, with the cart lines it buys. */
export type Draft = q.NewOrder & { cartLineIds: string[] };

export interface Quoted {
  cartId: string;
  drafts: Draft[];
  /** When the orders are placed: their createdAt, and the time of their first history entry. */
  now: Date;
}

/**
 * Quotes the lines, checks them and the address, and drafts one order per
 * store. `sagaKey`: the attempt's key, from which each order's stock reservation key derives.
 */
export async function quoteDrafts(deps: SubgraphDeps, viewer: Viewer, input: CheckoutInput, sagaKey: string): Promise<Quoted> {
  const { db, internal } = deps;
  const quote = await internal.call<Quote>('catalog', 'checkoutQuote', {
    buyerId: viewer.id,
    ...(input.cartId ? { cartId: input.cartId } : {}),
    ...(input.lineIds ? { lineIds: input.lineIds } : {}),
  });
  if (!quote.ok) {
    // a suspended store's products cannot be bought (catalog: STORE_SUSPENDED)
    const code = quote.error.code === 'NOT_FOUND' || quote.error.code === 'STORE_SUSPENDED' ? quote.error.code : 'INVALID_INPUT';
    const field = code === 'STORE_SUSPENDED' || (input.lineIds && code === 'NOT_FOUND') ? ['input', 'lineIds'] : input.cartId ? ['input', 'cartId'] : null;
    fail(code, quote.error.message || 'The cart cannot be checked out.', field);
  }
  if (quote.lines.some((l) => l.storeOwnerId === viewer.id)) {
    fail('OWN_STORE', 'You cannot buy from your own store.', ['input', 'lineIds']);
  }
  // lines that already became an order (their removal from the cart may still be pending) are never bought again
  const ordered = await q.orderedCartLines(
    db.drizzle,
    quote.lines.map((l) => l.lineId),
  );
  if (ordered.size && input.lineIds) fail('NOT_FOUND', 'A cart line was already ordered.', ['input', 'lineIds']);
  const lines = quote.lines.filter((l) => !ordered.has(l.lineId));
  if (!lines.length) fail('INVALID_INPUT', 'The cart is empty.', ['input', 'lineIds']);
  // an archived product or a removed variant cannot be bought (reserveStock refuses it too, should it happen after this quote)
  const gone = lines.find((l) => l.available === false);
  if (gone) fail('PRODUCT_UNAVAILABLE', `"${gone.title}" is no longer available; remove it from the cart to check out.`, ['input', 'lineIds']);
  const { address } = await internal.call<{ address: Address | null }>('users', 'shippingAddress', {
    userId: viewer.id,
    addressId: input.shippingAddressId,
  });
  if (!address) fail('NOT_FOUND', 'No such shipping address.', ['input', 'shippingAddressId']);
  const now = deps.clock.now();
  return { cartId: quote.cartId, drafts: draftsPerStore(deps.config, now, viewer, input, sagaKey, quote, lines, address), now };
}

/** One draft order per store: prices, titles and options snapshotted, shipping by the method chosen for the store. */
function draftsPerStore(
  config: SubgraphDeps['config'],
  now: Date,
  viewer: Viewer,
  input: CheckoutInput,
  sagaKey: string,
  quote: Quote & { ok: true },
  lines: QuoteLine[],
  address: Address,
): Draft[] {
  const byStore = new Map<string, QuoteLine[]>();
  for (const l of lines) byStore.set(l.storeId, [...(byStore.get(l.storeId) ?? []), l]);
  const methods = new Map((input.shipping ?? []).map((s) => [s.storeId, s.method]));
  return [...byStore.entries()].map(([storeId, storeLines]) => {
    const id = crypto.randomUUID();
    const subtotal = storeLines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
    const method = methods.get(storeId) ?? 'STANDARD';
    const shipping = orderShipping(
      quote.shipping.find((s) => s.storeId === storeId),
      storeLines[0].storeName,
      method,
      address.country,
      now,
    );
    const shippingCost = shipping.shippingCost;
    return {
      id,
      buyerId: viewer.id,
      storeId,
      sellerId: storeLines[0].storeOwnerId,
      storeName: storeLines[0].storeName ?? '',
      checkoutKey: input.idempotencyKey,
      reservationKey: `${sagaKey}:${storeId}`,
      address: { ...address, province: address.province ?? null },
      shippingMethod: method,
      subtotal,
      shippingCost,
      discount: 0,
      total: subtotal + shippingCost,
      couponCodes: [],
      paymentDeadline: new Date(now.getTime() + config.orderClock.paymentWindowS * 1000),
      handlingDays: shipping.handlingDays,
      estimatedDeliveryFrom: shipping.estimatedDeliveryFrom,
      estimatedDeliveryTo: shipping.estimatedDeliveryTo,
      createdAt: now,
      cartLineIds: storeLines.map((l) => l.lineId),
      lines: storeLines.map((l) => ({
        productId: l.productId,
        variantId: l.variantId,
        title: l.title,
        options: l.options ?? [],
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        subtotal: l.unitPrice * l.quantity,
      })),
    };
  });
}

/** The coupons promotions applied: each one's discount (never more than what is left of the subtotal) on its order. */
export function applyDiscounts(drafts: Draft[], applications: (Redeem & { ok: true })['applications']): void {
  for (const a of applications) {
    const d = drafts.find((x) => x.id === a.orderId);
    if (!d) continue;
    const discount = Math.min(Number(a.discount), d.subtotal - d.discount);
    d.discount += discount;
    d.total = d.subtotal - d.discount + d.shippingCost;
    d.couponCodes.push(a.code);
  }
}
