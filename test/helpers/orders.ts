/**
 * Test helpers for the orders area.
 *
 * - People: `mintPerson(t, { via: client(t) })` (accounts.ts), someone with a
 *   minted access token (no users subgraph needed).
 * - `placedOrder(t, buyer, seller)`: an order in PAYMENT_REQUIRED written
 *   straight into the orders database (with its history entry and event),
 *   for tests of the life cycle that are not about checkout.
 * - `shop(t)`: a seller with a store and a product through the public API, for
 *   checkout tests (buyers: `registerBuyer(t.client)` in accounts.ts).
 */
import crypto from 'node:crypto';
import * as q from '../../subgraphs/orders/db/queries/index.ts';
import { recordStatusChanges } from '../../subgraphs/orders/service/common.ts';
import { registerUserWithRetry, type Account, type Person } from './accounts.ts';
import { GraphQLClient } from './client.ts';
import type { TestStack } from './stack.ts';

/**
 * The client orders tests talk through: the gateway; with ORDERS_TEST_DIRECT=1,
 * the orders subgraph itself (with the subgraph secret), to tell a gateway
 * problem from an orders problem.
 */
export function client(t: TestStack): GraphQLClient {
  if (process.env.ORDERS_TEST_DIRECT) return new GraphQLClient(t.stack.urls.orders, undefined, { 'x-subgraph-secret': t.stack.secret });
  return t.client;
}

export const ORDER_FIELDS = `id number status store { id } shippingMethod couponCodes trackingNumber
  subtotal { amount } shippingCost { amount } discount { amount } total { amount }
  paymentDeadline shipByDeadline deliveryDeadline feedbackDeadline createdAt
  lines { id title quantity options { name value } unitPrice { amount } subtotal { amount } product { id } variant { id } }
  shippingAddress { recipientName phone country province city street postalCode }
  statusHistory { status at reason }
  feedback { productRating shippingRating communicationRating comment }
  dispute { reason description openedAt resolvedAt refunded }`;

/** ORDER_FIELDS with after-sales: the dispute in full, refunds, feedback in full. */
export const AFTERSALES_FIELDS = `${ORDER_FIELDS}
  refundedAmount { amount } refunds { id amount { amount } at reason settled }
  dispute { status lines { orderLine { id } quantity amount { amount } } requestedAmount { amount } answerDeadline escalatedAt
    refundAmount { amount } resolvedBy note }
  feedback { asDescribedRating photoUrls editedAt lineRatings { orderLine { id } rating } reply { text at } }`;

const ERR = 'userErrors { field code message }';

export const M = {
  cancel: `mutation($id: ID!, $reason: String) { cancelOrder(orderId: $id, reason: $reason) { order { ${ORDER_FIELDS} } ${ERR} } }`,
  extend: `mutation($id: ID!, $days: Int!) { extendShippingTime(orderId: $id, days: $days) { order { ${ORDER_FIELDS} } ${ERR} } }`,
  confirm: `mutation($id: ID!) { confirmReceipt(orderId: $id) { order { ${ORDER_FIELDS} } ${ERR} } }`,
  feedback: `mutation($id: ID!, $input: FeedbackInput!) { leaveFeedback(orderId: $id, input: $input) { order { ${ORDER_FIELDS} } ${ERR} } }`,
  dispute: `mutation($id: ID!, $reason: DisputeReason!, $d: String!) { openDispute(orderId: $id, reason: $reason, description: $d) { order { ${ORDER_FIELDS} } ${ERR} } }`,
  ship: `mutation($id: ID!, $tn: String!) { shipOrder(orderId: $id, trackingNumber: $tn) { order { ${ORDER_FIELDS} } ${ERR} } }`,
  resolve: `mutation($id: ID!, $refund: Boolean!) { resolveDispute(orderId: $id, refund: $refund) { order { ${ORDER_FIELDS} } ${ERR} } }`,
  pay: `mutation($ids: [ID!]!, $token: String!, $key: String!) {
    payOrders(orderIds: $ids, payment: { method: CARD, token: $token }, idempotencyKey: $key) {
      payment { id status method amount { amount } } orders { id status shipByDeadline } ${ERR} } }`,
  checkout: `mutation($input: CheckoutInput!) { checkout(input: $input) { orders { ${ORDER_FIELDS} } ${ERR} } }`,
};

export const ORDER_QUERY = `query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;

let seq = 0;

/** An order in PAYMENT_REQUIRED, written directly into the orders database. */
export async function placedOrder(
  t: TestStack,
  buyer: { userId: string },
  seller: { userId: string },
  opts: {
    storeId?: string;
    productId?: string;
    total?: number;
    recipientName?: string;
    /** Several lines (default one line of `total`, quantity 1); the total is their sum. */
    lines?: { productId?: string; quantity: number; unitPrice: number; title?: string }[];
  } = {},
): Promise<q.OrderRow> {
  const db = t.stack.subgraphs.orders.db.drizzle;
  const now = t.clock.now();
  const lines = (opts.lines ?? [{ productId: opts.productId, quantity: 1, unitPrice: opts.total ?? 2500 }]).map((l, i) => ({
    productId: l.productId ?? crypto.randomUUID(),
    variantId: crypto.randomUUID(),
    title: l.title ?? (i === 0 ? 'Fixture product' : `Fixture product ${i + 1}`),
    options: [{ name: 'Color', value: 'Red' }],
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    subtotal: l.quantity * l.unitPrice,
  }));
  const subtotal = lines.reduce((s, l) => s + l.subtotal, 0);
  const id = crypto.randomUUID();
  return db.transaction(async (tx) => {
    const row = await q.insertOrder(tx, {
      id,
      buyerId: buyer.userId,
      storeId: opts.storeId ?? crypto.randomUUID(),
      sellerId: seller.userId,
      storeName: 'Fixture store',
      checkoutKey: `fixture-${seq++}`,
      reservationKey: `fixture:${id}`,
      address: {
        recipientName: opts.recipientName ?? 'Ada Buyer',
        phone: '+1 555 0100',
        country: 'US',
        province: 'CA',
        city: 'Springfield',
        street: '1 Main St',
        postalCode: '90210',
      },
      shippingMethod: 'STANDARD',
      subtotal,
      shippingCost: 0,
      discount: 0,
      total: subtotal,
      couponCodes: [],
      paymentDeadline: new Date(now.getTime() + t.config.orderClock.paymentWindowS * 1000),
      createdAt: now,
      lines,
    });
    await recordStatusChanges(tx, [row], 'Order placed', now);
    return row;
  });
}

/** Pays for orders with the test card; returns the payload. */
export async function pay(p: { client: GraphQLClient }, ids: string[], token = 'tok_visa', key: string = crypto.randomUUID()) {
  return (await p.client.data<{ payOrders: any }>(M.pay, { ids, token, key })).payOrders;
}

/** An order moved along the happy path up to `status` through the API. */
export async function orderIn(
  t: TestStack,
  buyer: Person,
  seller: Person,
  status: 'PAYMENT_REQUIRED' | 'SHIPMENT_REQUIRED' | 'UNCONFIRMED_DELIVERY' | 'FEEDBACK_REQUIRED' | 'DISPUTED',
  opts: Parameters<typeof placedOrder>[3] = {},
): Promise<string> {
  const order = await placedOrder(t, buyer, seller, opts);
  if (status === 'PAYMENT_REQUIRED') return order.id;
  const p = await pay(buyer, [order.id]);
  if (p.userErrors.length) throw new Error(JSON.stringify(p.userErrors));
  if (status === 'SHIPMENT_REQUIRED') return order.id;
  await expectOk(seller.client, M.ship, { id: order.id, tn: 'TRACK-1' }, 'shipOrder');
  if (status === 'UNCONFIRMED_DELIVERY') return order.id;
  if (status === 'DISPUTED') {
    await expectOk(buyer.client, M.dispute, { id: order.id, reason: 'DAMAGED', d: 'Broken on arrival' }, 'openDispute');
    return order.id;
  }
  await expectOk(buyer.client, M.confirm, { id: order.id }, 'confirmReceipt');
  return order.id;
}

export async function expectOk(client: GraphQLClient, query: string, vars: Record<string, unknown>, field: string): Promise<any> {
  const data = await client.data<Record<string, any>>(query, vars);
  const p = data[field];
  if (p.userErrors?.length) throw new Error(`${field}: ${JSON.stringify(p.userErrors)}`);
  return p;
}

/** Waits until `check` passes (the sweeper and give-backs run in the background). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
      if (Date.now() > until) throw last;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

// ───────────────────────────── through the public API (checkout) ─────────────────────────────

export interface Shop {
  seller: Account;
  storeId: string;
  productId: string;
  variantId: string;
}

/** A seller (registered with retry) with a store and one product with one variant (`price`, `stock`). */
export async function shop(t: TestStack, opts: { price?: string; stock?: number } = {}): Promise<Shop> {
  const seller = await registerUserWithRetry(t.client);
  const store = await seller.client.data<{ openStore: any }>(
    `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id } userErrors { code message } } }`,
    { input: { name: `Store ${crypto.randomUUID().slice(0, 8)}`, description: 'A test store' } },
  );
  if (store.openStore.userErrors.length) throw new Error(JSON.stringify(store.openStore.userErrors));
  const storeId = store.openStore.store.id;
  const cats = await t.client.data<{ categories: { id: string; children?: unknown }[] }>(`{ categories { id } }`);
  const product = await seller.client.data<{ createProduct: any }>(
    `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id variants { id } } userErrors { field code message } } }`,
    {
      input: {
        storeId,
        title: 'Test lamp',
        description: 'A lamp for tests',
        categoryId: cats.categories[0].id,
        variants: [
          {
            sku: `SKU-${crypto.randomUUID().slice(0, 8)}`,
            options: [{ name: 'Color', value: 'Blue' }],
            price: opts.price ?? '10.00',
            stock: opts.stock ?? 100,
          },
        ],
      },
    },
  );
  if (product.createProduct.userErrors.length) throw new Error(JSON.stringify(product.createProduct.userErrors));
  return { seller, storeId, productId: product.createProduct.product.id, variantId: product.createProduct.product.variants[0].id };
}

export async function addToCart(client: GraphQLClient, variantId: string, quantity: number, cartId?: string) {
  const r = await client.data<{ addToCart: any }>(
    `mutation($cartId: ID, $v: ID!, $n: Int!) { addToCart(cartId: $cartId, variantId: $v, quantity: $n) { cart { id lines { id quantity } } userErrors { code message } } }`,
    { cartId, v: variantId, n: quantity },
  );
  if (r.addToCart.userErrors.length) throw new Error(JSON.stringify(r.addToCart.userErrors));
  return r.addToCart.cart as { id: string; lines: { id: string; quantity: number }[] };
}

export async function stockOf(t: TestStack, productId: string): Promise<number> {
  const r = await t.client.data<{ product: any }>(`query($id: ID!) { product(id: $id) { variants { stock } } }`, { id: productId });
  return r.product.variants[0].stock;
}
