/** What checkout takes and what it gets from catalog, promotions and users (the input's rules: inputs.ts). */
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
