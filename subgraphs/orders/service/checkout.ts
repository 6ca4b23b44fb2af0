/**
 * Checkout: a saga over catalog (quote, stock) and promotions (coupons), then
 * one transaction that writes the orders, their history and their events.
 *
 * 1. Claim (buyer, idempotencyKey) in orders.checkouts (insert … on conflict do
 *    nothing). A second call with the same key waits for the first and
 *    answers its orders.
 * 2. Quote the cart lines (catalog checkoutQuote) and the address (users
 *    shippingAddress); group the lines per store.
 * 3. Redeem coupons (promotions redeemCoupons), reserve stock per store order
 *    (catalog reserveStock). Keys carry the claim's attempt id, so a failed
 *    attempt's keys are never reused.
 * 4. One transaction: orders, lines, history, events; the claim becomes DONE.
 * 5. Remove the bought lines from the cart (best effort, after commit).
 *
 * Any failure after a step compensates every step taken (releaseStock,
 * releaseCoupons) and frees the key: a failed checkout changes nothing.
 * No transaction is open during a remote call.
 */
import crypto from 'node:crypto';
import type { Viewer } from '../../kit/auth.ts';
import { fail, UserErrorException } from '../../kit/errors.ts';
import { isId } from '../../kit/scalars.ts';
import type { SubgraphDeps } from '../../kit/runtime.ts';
import * as q from '../db/queries.ts';
import type { OrderRow } from '../db/queries.ts';
import { recordStatusChanges, requireViewer, type InternalFailure } from './common.ts';

export interface CheckoutInput {
  cartId?: string | null;
  lineIds?: string[] | null;
  shippingAddressId: string;
  shipping?: { storeId: string; method: 'STANDARD' | 'EXPRESS' }[] | null;
  couponCodes?: string[] | null;
  idempotencyKey: string;
}

interface QuoteLine {
  lineId: string;
  productId: string;
  variantId: string;
  storeId: string;
  storeOwnerId: string;
  storeName: string;
  title: string;
  options: { name: string; value: string }[];
  unitPrice: number;
  quantity: number;
}

type Quote = { ok: true; cartId: string; lines: QuoteLine[] } | InternalFailure;
type Redeem =
  | { ok: true; applications: { orderId: string; couponId: string; code: string; kind: string; discount: number }[] }
  | InternalFailure;
type Address = { recipientName: string; phone: string; country: string; province: string | null; city: string; street: string; postalCode: string };

const WAIT_FOR_OTHER_MS = 20_000;

export class CheckoutService {
  constructor(private readonly deps: SubgraphDeps) {}

  async checkout(viewerIn: Viewer | null, input: CheckoutInput): Promise<{ orders: OrderRow[] }> {
    const viewer = requireViewer(viewerIn);
    validate(input);
    const key = input.idempotencyKey;
    const started = Date.now();
    for (;;) {
      const attempt = crypto.randomUUID();
      if (await q.claimCheckout(this.deps.db.drizzle, viewer.id, key, attempt)) {
        return this.run(viewer, input, attempt);
      }
      // Someone (maybe a racing twin of this very call) holds the key.
      const claim = await q.getCheckout(this.deps.db.drizzle, viewer.id, key);
      if (claim?.state === 'DONE') return { orders: sortLike(await q.ordersByIds(this.deps.db.drizzle, claim.orderIds), claim.orderIds) };
      if (!claim) continue; // the holder failed and freed the key: try ourselves
      if (Date.now() - started > WAIT_FOR_OTHER_MS) {
        fail('INVALID_STATE', 'A checkout with this idempotency key is still in progress; try again shortly.', ['input', 'idempotencyKey']);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async run(viewer: Viewer, input: CheckoutInput, attempt: string): Promise<{ orders: OrderRow[] }> {
    const { db, internal, config, clock } = this.deps;
    const key = input.idempotencyKey;
    const sagaKey = `checkout:${viewer.id}:${key}:${attempt}`;
    const reserved: string[] = [];
    let couponsRedeemed = false;
    try {
      // 2. what is being bought, and where to
      const quote = await internal.call<Quote>('catalog', 'checkoutQuote', {
        buyerId: viewer.id,
        ...(input.cartId ? { cartId: input.cartId } : {}),
        ...(input.lineIds ? { lineIds: input.lineIds } : {}),
      });
      if (!quote.ok) {
        const code = quote.error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_INPUT';
        const field = input.lineIds && code === 'NOT_FOUND' ? ['input', 'lineIds'] : input.cartId ? ['input', 'cartId'] : null;
        fail(code, quote.error.message || 'The cart cannot be checked out.', field);
      }
      if (!quote.lines.length) fail('INVALID_INPUT', 'The cart is empty.', ['input', 'lineIds']);
      const { address } = await internal.call<{ address: Address | null }>('users', 'shippingAddress', {
        userId: viewer.id,
        addressId: input.shippingAddressId,
      });
      if (!address) fail('NOT_FOUND', 'No such shipping address.', ['input', 'shippingAddressId']);

      // group per store; snapshot prices, titles and options
      const now = clock.now();
      const byStore = new Map<string, QuoteLine[]>();
      for (const l of quote.lines) byStore.set(l.storeId, [...(byStore.get(l.storeId) ?? []), l]);
      const methods = new Map((input.shipping ?? []).map((s) => [s.storeId, s.method]));
      const drafts: q.NewOrder[] = [...byStore.entries()].map(([storeId, lines]) => {
        const id = crypto.randomUUID();
        const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
        const method = methods.get(storeId) ?? 'STANDARD';
        const shippingCost = method === 'EXPRESS' ? config.expressShippingFee : 0;
        return {
          id,
          buyerId: viewer.id,
          storeId,
          sellerId: lines[0].storeOwnerId,
          storeName: lines[0].storeName ?? '',
          checkoutKey: key,
          reservationKey: `${sagaKey}:${storeId}`,
          address: { ...address, province: address.province ?? null },
          shippingMethod: method,
          subtotal,
          shippingCost,
          discount: 0,
          total: subtotal + shippingCost,
          couponCodes: [],
          paymentDeadline: new Date(now.getTime() + config.orderClock.paymentWindowS * 1000),
          createdAt: now,
          lines: lines.map((l) => ({
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

      // 3a. coupons
      const codes = [...new Set((input.couponCodes ?? []).map((c) => c.trim()).filter(Boolean))];
      if (codes.length) {
        couponsRedeemed = true; // from here on, a failure releases them (idempotent)
        const redeem = await internal.call<Redeem>('promotions', 'redeemCoupons', {
          key: sagaKey,
          buyerId: viewer.id,
          codes,
          orders: drafts.map((d) => ({ orderId: d.id, storeId: d.storeId, subtotal: d.subtotal })),
        });
        if (!redeem.ok) {
          const code = redeem.error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'COUPON_NOT_APPLICABLE';
          fail(code, redeem.error.message || 'A coupon cannot be applied.', ['input', 'couponCodes']);
        }
        for (const a of redeem.applications) {
          const d = drafts.find((x) => x.id === a.orderId);
          if (!d) continue;
          const discount = Math.min(Number(a.discount), d.subtotal - d.discount);
          d.discount += discount;
          d.total = d.subtotal - d.discount + d.shippingCost;
          d.couponCodes.push(a.code);
        }
      }

      // 3b. stock, per store order (so each order can give its own back)
      for (const d of drafts) {
        reserved.push(d.reservationKey);
        const r = await internal.call<{ ok: true } | InternalFailure>('catalog', 'reserveStock', {
          key: d.reservationKey,
          items: d.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
        });
        if (!r.ok) {
          const code = r.error.code === 'OUT_OF_STOCK' ? 'OUT_OF_STOCK' : r.error.code || 'INVALID_INPUT';
          fail(code, r.error.message || 'Not enough stock.', ['input', 'lineIds']);
        }
      }

      // 4. one transaction for the orders, their history and events
      const orders = await db.drizzle.transaction(async (tx) => {
        const rows: OrderRow[] = [];
        for (const d of drafts) rows.push(await q.insertOrder(tx, d));
        if (!(await q.completeCheckout(tx, viewer.id, key, attempt, rows.map((r) => r.id)))) {
          throw new Error('checkout claim lost');
        }
        await recordStatusChanges(tx, rows, 'Order placed', now);
        return rows;
      });

      // 5. the bought lines leave the cart (the orders exist whatever happens here)
      await this.removeLines(quote.cartId, quote.lines.map((l) => l.lineId));
      return { orders };
    } catch (err) {
      await this.compensate(reserved, couponsRedeemed ? sagaKey : null);
      await q.releaseCheckoutClaim(db.drizzle, viewer.id, key, attempt).catch((e) =>
        this.deps.log.error('could not free a checkout key', { err: String(e) }),
      );
      if (err instanceof UserErrorException) throw err;
      this.deps.log.error('checkout failed', { err: String(err) });
      fail('CHECKOUT_FAILED', 'The checkout could not be completed; nothing was charged or reserved. Please try again.');
    }
  }

  private async compensate(reservationKeys: string[], couponKey: string | null): Promise<void> {
    const { internal, log } = this.deps;
    for (const key of reservationKeys) {
      await retry(() => internal.call('catalog', 'releaseStock', { key })).catch((e) =>
        log.error('releaseStock failed during checkout compensation', { key, err: String(e) }),
      );
    }
    if (couponKey) {
      await retry(() => internal.call('promotions', 'releaseCoupons', { key: couponKey })).catch((e) =>
        log.error('releaseCoupons failed during checkout compensation', { key: couponKey, err: String(e) }),
      );
    }
  }

  private async removeLines(cartId: string, lineIds: string[]): Promise<void> {
    await retry(() => this.deps.internal.call('catalog', 'removeCartLines', { cartId, lineIds })).catch((e) =>
      this.deps.log.warn('could not remove bought lines from the cart', { cartId, err: String(e) }),
    );
  }
}

async function retry<T>(fn: () => Promise<T>, times = 3): Promise<T> {
  let last: unknown;
  for (let i = 0; i < times; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50 * (i + 1)));
    }
  }
  throw last;
}

function sortLike(rows: OrderRow[], ids: string[]): OrderRow[] {
  return ids.map((id) => rows.find((r) => r.id === id)).filter((r): r is OrderRow => Boolean(r));
}

function validate(input: CheckoutInput): void {
  const key = input.idempotencyKey;
  if (typeof key !== 'string' || key.trim().length === 0 || key.length > 200) {
    fail('INVALID_INPUT', 'idempotencyKey must be 1–200 characters.', ['input', 'idempotencyKey']);
  }
  if (input.cartId != null && !isId(input.cartId)) fail('NOT_FOUND', 'No such cart.', ['input', 'cartId']);
  if (input.lineIds != null) {
    if (input.lineIds.length === 0) fail('INVALID_INPUT', 'Choose at least one cart line.', ['input', 'lineIds']);
    if (input.lineIds.length > 500) fail('INVALID_INPUT', 'Too many cart lines.', ['input', 'lineIds']);
    if (!input.lineIds.every(isId)) fail('NOT_FOUND', 'No such cart line.', ['input', 'lineIds']);
  }
  if (!isId(input.shippingAddressId)) fail('NOT_FOUND', 'No such shipping address.', ['input', 'shippingAddressId']);
  for (const s of input.shipping ?? []) {
    if (!isId(s.storeId)) fail('INVALID_INPUT', 'Unknown store in shipping.', ['input', 'shipping']);
  }
  const codes = input.couponCodes ?? [];
  if (codes.length > 20 || codes.some((c) => c.length > 64)) fail('INVALID_INPUT', 'Too many or too long coupon codes.', ['input', 'couponCodes']);
}
