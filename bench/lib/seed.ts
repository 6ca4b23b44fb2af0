/**
 * The bench's own data on top of the demo seed, made through the public API
 * (the gateway): a signed-in buyer with a shipping address, a few orders (some
 * paid), a claimed coupon and a cart of three lines. Plus many distinct
 * tokens of that buyer (TokenSigner + the stack's keys, one session id each).
 */
import crypto from 'node:crypto';
import { TokenSigner, type AuthKeys } from '../../platform/auth.ts';
import { DEMO } from '../../platform/demo.ts';
import { GraphQLClient } from '../../test/helpers/client.ts';
import { login, registerUser } from '../../test/helpers/accounts.ts';
import { createProduct } from '../../test/helpers/catalog.ts';

export interface BenchData {
  buyerId: string;
  buyerToken: string;
  sellerToken: string;
  storeId: string;
  productId: string;
  orders: number;
}

const ERR = 'userErrors { code message }';

async function ok<T = any>(c: GraphQLClient, q: string, v: Record<string, unknown>, field: string): Promise<T> {
  const d = await c.data<any>(q, v);
  if (d[field]?.userErrors?.length) throw new Error(`${field}: ${JSON.stringify(d[field].userErrors)}`);
  return d[field];
}

export async function seedBuyer(url: string, opts: { checkouts: number }): Promise<BenchData> {
  const anon = new GraphQLClient(url);
  const buyer = await registerUser(anon, { fullName: 'Bench Buyer' });
  const c = buyer.client;
  const address = await ok(
    c,
    `mutation($input: ShippingAddressInput!) { addShippingAddress(input: $input) { address { id } ${ERR} } }`,
    {
      input: {
        recipientName: 'Bench Buyer',
        phone: '+1 555 0100',
        country: 'US',
        province: 'CA',
        city: 'Springfield',
        street: '1 Main St',
        postalCode: '90210',
      },
    },
    'addShippingAddress',
  );
  const found = await anon.data<any>(`{ searchProducts(first: 40) { edges { node { id store { id } variants { id stock } } } } }`);
  const products = found.searchProducts.edges.map((e: any) => e.node).filter((p: any) => p.variants.some((v: any) => v.stock >= 20));
  if (!products.length) throw new Error('the demo catalog has no product in stock');
  const variant = (i: number) => products[i % products.length].variants.find((v: any) => v.stock >= 20).id;
  const addToCart = async (cartId: string | undefined, variantId: string) =>
    (
      await ok(
        c,
        `mutation($cartId: ID, $v: ID!) { addToCart(cartId: $cartId, variantId: $v, quantity: 1) { cart { id } ${ERR} } }`,
        { cartId, v: variantId },
        'addToCart',
      )
    ).cart.id as string;
  let cartId: string | undefined;
  let orders = 0;
  for (let i = 0; i < opts.checkouts; i++) {
    cartId = await addToCart(cartId, variant(i));
    cartId = await addToCart(cartId, variant(i + 1));
    const r = await ok(
      c,
      `mutation($input: CheckoutInput!) { checkout(input: $input) { orders { id } ${ERR} } }`,
      { input: { cartId, shippingAddressId: address.address.id, idempotencyKey: crypto.randomUUID() } },
      'checkout',
    );
    orders += r.orders.length;
    if (i % 2 === 0) {
      await ok(
        c,
        `mutation($ids: [ID!]!, $key: String!) { payOrders(orderIds: $ids, payment: { method: CARD, token: "tok_visa" }, idempotencyKey: $key) { payment { id } ${ERR} } }`,
        { ids: r.orders.map((o: any) => o.id), key: crypto.randomUUID() },
        'payOrders',
      );
    }
  }
  for (let i = 0; i < 3; i++) cartId = await addToCart(cartId, variant(i + 2));
  const coupons = await anon.data<any>(`{ availableCoupons { id } }`);
  for (const cp of coupons.availableCoupons.slice(0, 2)) {
    await c.data(`mutation($id: ID) { claimCoupon(couponId: $id) { ${ERR} } }`, { id: cp.id }).catch(() => {});
  }
  const seller = await login(anon, DEMO.sellerEmail, DEMO.password);
  const stores = await seller.client.data<any>(`{ viewer { stores { id } } }`);
  return {
    buyerId: buyer.userId,
    buyerToken: buyer.token,
    sellerToken: seller.token,
    storeId: stores.viewer.stores[0].id,
    productId: products[0].id,
    orders,
  };
}

/**
 * A product of the demo seller with `count` reviews, made as buyers make them:
 * each an order of that product, checked out, paid, shipped by the seller,
 * received and given feedback by the bench buyer (`buyerToken`).
 */
export async function seedReviews(url: string, buyerToken: string, count: number): Promise<string> {
  const anon = new GraphQLClient(url);
  const c = new GraphQLClient(url, buyerToken);
  const seller = await login(anon, DEMO.sellerEmail, DEMO.password);
  const stores = await seller.client.data<any>(`{ viewer { stores { id } } }`);
  const product = await createProduct(seller.client, stores.viewer.stores[0].id, { title: 'Reviewed lamp', variants: [{ stock: count + 10, price: '12.50' }] });
  const address = (await c.data<any>(`{ viewer { shippingAddresses { id } } }`)).viewer.shippingAddresses[0].id;
  for (let i = 0; i < count; i++) {
    const cart = await ok(c, `mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { cart { id } ${ERR} } }`, { v: product.variants[0].id }, 'addToCart');
    const placed = await ok(
      c,
      `mutation($input: CheckoutInput!) { checkout(input: $input) { orders { id } ${ERR} } }`,
      { input: { cartId: cart.cart.id, shippingAddressId: address, idempotencyKey: crypto.randomUUID() } },
      'checkout',
    );
    const orderId = placed.orders[0].id;
    await ok(
      c,
      `mutation($ids: [ID!]!, $key: String!) { payOrders(orderIds: $ids, payment: { method: CARD, token: "tok_visa" }, idempotencyKey: $key) { payment { id } ${ERR} } }`,
      { ids: [orderId], key: crypto.randomUUID() },
      'payOrders',
    );
    await ok(
      seller.client,
      `mutation($id: ID!, $tn: String!) { shipOrder(orderId: $id, trackingNumber: $tn) { order { id } ${ERR} } }`,
      { id: orderId, tn: `TRK${i}` },
      'shipOrder',
    );
    await ok(c, `mutation($id: ID!) { confirmReceipt(orderId: $id) { order { id } ${ERR} } }`, { id: orderId }, 'confirmReceipt');
    await ok(
      c,
      `mutation($id: ID!, $input: FeedbackInput!) { leaveFeedback(orderId: $id, input: $input) { order { id } ${ERR} } }`,
      { id: orderId, input: { productRating: 1 + (i % 5), shippingRating: 5, communicationRating: 4, comment: `Review ${i}` } },
      'leaveFeedback',
    );
  }
  return product.id;
}

/** `count` distinct, valid access tokens of one user (a session id each). */
export async function mintTokens(keys: AuthKeys, like: string, count: number): Promise<string[]> {
  const claims = JSON.parse(Buffer.from(like.split('.')[1], 'base64url').toString());
  const signer = new TokenSigner(keys, 3600);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push((await signer.sign({ userId: claims.sub, sessionId: crypto.randomUUID(), roles: claims.roles ?? [] })).token);
  }
  return out;
}
