/** What checkout takes and what it gets from catalog, promotions and users; the input checks. */
import { fail } from '../../../platform/errors.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import type { OrderRow } from '../db/queries/index.ts';
import type { InternalFailure } from './common.ts';
import type { QuotedShipping } from './shipping.ts';

export interface CheckoutInput {
  cartId?: string | null;
  lineIds?: string[] | null;
  shippingAddressId: string;
  shipping?: { storeId: string; method: 'STANDARD' | 'EXPRESS' }[] | null;
  couponCodes?: string[] | null;
  idempotencyKey: string;
  /** The total the buyer saw (Money amount); a different total answers PRICE_CHANGED. */
  expectedTotal?: string | null;
}

export interface QuoteLine {
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
  /** False when the product is archived or the variant removed (it cannot be bought). */
  available?: boolean;
}

/** `shipping`: each store's handling time and options (service/shipping.ts). */
export type Quote = { ok: true; cartId: string; lines: QuoteLine[]; shipping: QuotedShipping[] } | InternalFailure;
export type Redeem = { ok: true; applications: { orderId: string; couponId: string; code: string; kind: string; discount: number }[] } | InternalFailure;
export type Address = { recipientName: string; phone: string; country: string; province: string | null; city: string; street: string; postalCode: string };

export function sortLike(rows: OrderRow[], ids: string[]): OrderRow[] {
  return ids.map((id) => rows.find((r) => r.id === id)).filter((r): r is OrderRow => Boolean(r));
}

export function validate(input: CheckoutInput): void {
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
  if (input.expectedTotal != null && parseMoney(input.expectedTotal) === null) {
    fail('INVALID_INPUT', 'expectedTotal must be an amount such as "12.50".', ['input', 'expectedTotal']);
  }
  const codes = input.couponCodes ?? [];
  if (codes.length > 20 || codes.some((c) => c.length > 64)) fail('INVALID_INPUT', 'Too many or too long coupon codes.', ['input', 'couponCodes']);
}
