/**
 * Test helpers for the promotions area: coupons, and the internal operations the
 * orders subgraph calls. People are minted with `mintPerson` (accounts.ts).
 */
import crypto from 'node:crypto';
import { publish, type NewEvent } from '../../platform/events/bus.ts';
import type { Person } from './accounts.ts';
import type { TestStack } from './stack.ts';

export const COUPON_FIELDS = `id code kind title store { id } amountOff { amount currencyCode } percentOff
  minOrderAmount { amount } startsAt expiresAt remaining`;

export const CREATE_COUPON = `mutation Create($input: CreateCouponInput!) {
  createCoupon(input: $input) { coupon { ${COUPON_FIELDS} } userErrors { field code message } }
}`;

export const CLAIM_COUPON = `mutation Claim($couponId: ID, $code: String) {
  claimCoupon(couponId: $couponId, code: $code) {
    userCoupon { status claimedAt usedAt order { id } coupon { id code remaining } }
    userErrors { field code message }
  }
}`;

export const MY_COUPONS = `query Mine($status: CouponStatus) {
  viewer { id coupons(status: $status) { status usedAt order { id } coupon { id code } } }
}`;

let n = 0;
/** A unique, valid coupon code. */
export function uniqueCode(prefix = 'C'): string {
  return `${prefix}${Date.now().toString(36)}${(n++).toString(36)}${crypto.randomBytes(2).toString('hex')}`.toUpperCase().slice(0, 32);
}

export function inDays(t: TestStack, days: number): string {
  return new Date(t.clock.now().getTime() + days * 86_400_000).toISOString();
}

/** Creates a PLATFORM coupon as the given admin; returns it (fails the test on userErrors). */
export async function platformCoupon(t: TestStack, admin: Person, input: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const data = await admin.client.data<{ createCoupon: any }>(CREATE_COUPON, {
    input: { kind: 'PLATFORM', code: uniqueCode(), title: 'Test coupon', amountOff: '5.00', minOrderAmount: '0', expiresAt: inDays(t, 7), ...input },
  });
  if (data.createCoupon.userErrors.length) throw new Error(`createCoupon: ${JSON.stringify(data.createCoupon.userErrors)}`);
  return data.createCoupon.coupon;
}

export async function claim(p: Person, couponId: string): Promise<any> {
  return (await p.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { couponId })).claimCoupon;
}

/** POSTs an internal operation to the promotions subgraph, as the orders subgraph does. */
export async function promotionsInternal<T = any>(t: TestStack, operation: string, input: unknown): Promise<T> {
  const url = t.stack.urls.promotions.replace(/\/graphql\/?$/, '') + `/internal/${operation}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-subgraph-secret': t.stack.secret },
    body: JSON.stringify(input),
  });
  if (res.status !== 200) throw new Error(`${operation}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Publishes events on the bus as another subgraph would; returns their sequence numbers. */
export async function publishEvents(t: TestStack, events: NewEvent[]): Promise<number[]> {
  const outbox = await t.stack.eventsDb.drizzle.transaction((tx) => publish(tx, events));
  // their positions on the bus (what consumers and cursors count in; on JetStream not the outbox's numbers)
  return t.stack.bus.positions(t.stack.eventsDb, 'test', outbox);
}

/** Waits until `check` returns a truthy value (polling), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A product in the catalog (in a new store of `seller`), with one variant at `price`. */
export async function catalogProduct(t: TestStack, seller: Person, price = '100.00'): Promise<{ productId: string; variantId: string; storeId: string }> {
  const opened = await seller.client.data<{ openStore: any }>(
    `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id } userErrors { code message } } }`,
    { input: { name: `Shop ${crypto.randomUUID().slice(0, 12)}` } },
  );
  if (opened.openStore.userErrors.length) throw new Error(`openStore: ${JSON.stringify(opened.openStore.userErrors)}`);
  const storeId = opened.openStore.store.id;
  const { categories } = await t.client.data<{ categories: { id: string }[] }>(`{ categories { id } }`);
  const created = await seller.client.data<{ createProduct: any }>(
    `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id variants { id } } userErrors { code message } } }`,
    {
      input: {
        storeId,
        title: 'Blue kettle',
        description: 'Boils water.',
        categoryId: categories[0].id,
        variants: [{ sku: `SKU-${crypto.randomUUID().slice(0, 8)}`, options: [], price, stock: 5 }],
      },
    },
  );
  if (created.createProduct.userErrors.length) throw new Error(`createProduct: ${JSON.stringify(created.createProduct.userErrors)}`);
  return { productId: created.createProduct.product.id, variantId: created.createProduct.product.variants[0].id, storeId };
}
