/**
 * Checkout that survives crashes, retries and abuse (docs/orders.md, "Checkout"),
 * through the gateway: a stuck key, catalog down when the bought lines should
 * leave the cart or when a failed checkout gives its stock back, prices raised
 * between cart and checkout, a seller buying from their own store.
 *
 * Faults between orders and catalog are made by a second orders instance that
 * reaches catalog through a proxy (test/helpers/checkout-faults.ts), with
 * catalog stopped for real. The kill -9 of an orders process is in
 * checkout-crash.test.ts (PostgreSQL).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as q from '../../subgraphs/orders/db/queries/index.ts';
import { registerBuyer, type Account, type Buyer } from '../helpers/accounts.ts';
import { startFaultProxy, startOrdersInstance } from '../helpers/checkout-faults.ts';
import { startExtraGateway } from '../helpers/gateway.ts';
import { M, addToCart, eventually, expectOk, shop, stockOf } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import type { GraphQLClient } from '../helpers/client.ts';

const CART = `{ viewer { id cart { id lines { id quantity } } } }`;
const cartLines = async (b: { client: GraphQLClient }) => ((await b.client.data<any>(CART)).viewer.cart?.lines ?? []) as { id: string }[];
const orderCount = async (b: { client: GraphQLClient }) => (await b.client.data<any>(`{ viewer { orders { totalCount } } }`)).viewer.orders.totalCount;

function checkout(via: GraphQLClient, b: Buyer, input: Record<string, unknown>) {
  return via
    .as(b.token)
    .data<{ checkout: any }>(M.checkout, { input: { shippingAddressId: b.addressId, idempotencyKey: crypto.randomUUID(), ...input } })
    .then((d) => d.checkout);
}

async function addAddress(a: Account): Promise<string> {
  const r = await a.client.data<{ addShippingAddress: any }>(
    `mutation($input: ShippingAddressInput!) { addShippingAddress(input: $input) { address { id } userErrors { code message } } }`,
    {
      input: {
        recipientName: 'Sam Seller',
        phone: '+1 555 0101',
        country: 'US',
        province: 'CA',
        city: 'Springfield',
        street: '2 Main St',
        postalCode: '90210',
      },
    },
  );
  return r.addShippingAddress.address.id;
}

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000', CHECKOUT_RETRY_MAX_MS: '1000' } });
}, 240_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

describe('checkout rules', () => {
  it('refuses a seller’s checkout of a cart holding their own store’s product with OWN_STORE, creating nothing', async () => {
    const own = await shop(t);
    const other = await shop(t);
    const seller: Buyer = { ...own.seller, addressId: await addAddress(own.seller) };
    await addToCart(seller.client, other.variantId, 1);
    await addToCart(seller.client, own.variantId, 1);
    const p = await checkout(t.client, seller, {});
    expect(p.orders).toEqual([]);
    expect(p.userErrors).toEqual([{ field: ['input', 'lineIds'], code: 'OWN_STORE', message: 'You cannot buy from your own store.' }]);
    expect(await stockOf(t, own.productId)).toBe(100);
    expect(await stockOf(t, other.productId)).toBe(100);
    expect(await cartLines(seller)).toHaveLength(2);
    expect(await orderCount(seller)).toBe(0);
  });

  it('creates nothing and answers PRICE_CHANGED when the seller raised a price after the buyer saw the total, and succeeds with the new total', async () => {
    const s = await shop(t, { price: '10.00' });
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 2);
    const express = [{ storeId: s.storeId, method: 'EXPRESS' }];
    const seen = '29.99'; // 2 × 10.00 + 9.99 EXPRESS shipping
    await expectOk(
      s.seller.client,
      `mutation($v: ID!) { updateVariant(variantId: $v, input: { price: "12.00" }) { product { id } userErrors { field code message } } }`,
      { v: s.variantId },
      'updateVariant',
    );

    const changed = await checkout(t.client, buyer, { shipping: express, expectedTotal: seen });
    expect(changed.orders).toEqual([]);
    expect(changed.userErrors).toEqual([{ field: ['input', 'expectedTotal'], code: 'PRICE_CHANGED', message: 'The total changed: it is now 33.99.' }]);
    expect(await stockOf(t, s.productId)).toBe(100);
    expect(await cartLines(buyer)).toHaveLength(1);
    expect(await orderCount(buyer)).toBe(0);

    const malformed = await checkout(t.client, buyer, { shipping: express, expectedTotal: 'twenty' });
    expect(malformed.userErrors[0]).toMatchObject({ field: ['input', 'expectedTotal'], code: 'INVALID_INPUT' });

    const ok = await checkout(t.client, buyer, { shipping: express, expectedTotal: '33.99' });
    expect(ok.userErrors).toEqual([]);
    expect(ok.orders).toHaveLength(1);
    expect(ok.orders[0].total.amount).toBe('33.99');
    expect(await stockOf(t, s.productId)).toBe(98);
  });
});

describe('a stuck idempotency key', () => {
  it('answers a retry quickly with INVALID_STATE while the dead holder’s lease runs, then completes the checkout once', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    const key = crypto.randomUUID();
    // a process claimed this key and died before anything else (its lease: the default 30 s)
    const db = t.stack.subgraphs.orders.db.drizzle;
    await q.claimCheckout(db, buyer.userId, key, crypto.randomUUID(), new Date(t.clock.now().getTime() + 30_000));

    // the gateway's usual 5 s timeout: the answer must come well before it
    const g = await startExtraGateway(t, { env: { SUBGRAPH_TIMEOUT_MS: '5000' } });
    try {
      const r = await g.client.as(buyer.token).request<{ checkout: any }>(M.checkout, { input: { shippingAddressId: buyer.addressId, idempotencyKey: key } });
      expect(r.errors).toBeUndefined();
      expect(r.data!.checkout.orders).toEqual([]);
      expect(r.data!.checkout.userErrors).toEqual([
        { field: ['input', 'idempotencyKey'], code: 'INVALID_STATE', message: 'A checkout with this idempotency key is still in progress; try again shortly.' },
      ]);
    } finally {
      await g.stop();
    }

    t.clock.advance(31); // the dead holder's lease runs out
    const done = await checkout(t.client, buyer, { idempotencyKey: key });
    expect(done.userErrors).toEqual([]);
    expect(done.orders).toHaveLength(1);
    const again = await checkout(t.client, buyer, { idempotencyKey: key });
    expect(again.orders.map((o: any) => o.id)).toEqual(done.orders.map((o: any) => o.id));
    expect(await orderCount(buyer)).toBe(1);
    expect(await stockOf(t, s.productId)).toBe(99);
  });
});

describe('catalog down in the middle of a checkout', () => {
  it('keeps the order when catalog is down as the bought lines should leave the cart, never buys them again, and empties the cart once catalog answers', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 2);
    const proxy = await startFaultProxy(t.stack.urls.catalog);
    // the only orders instance left reaches catalog through the proxy
    await t.stack.stopSubgraph('orders');
    const orders = await startOrdersInstance(t, { catalog: proxy.url });
    const g = await startExtraGateway(t, { urls: { orders: orders.url }, env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
    try {
      const removal = proxy.hold('removeCartLines', { after: 'request' });
      const pending = checkout(g.client, buyer, {});
      await removal.arrived;
      await t.stack.stopSubgraph('catalog'); // catalog goes down just as the lines should leave the cart
      removal.release();
      const p = await pending;
      expect(p.userErrors).toEqual([]);
      expect(p.orders).toHaveLength(1);

      // catalog is back, but the removal still does not get through
      proxy.refuse('removeCartLines');
      await t.stack.startSubgraph('catalog');
      const lines = await cartLines(buyer);
      expect(lines).toHaveLength(1); // still there: the removal is pending

      const whole = await checkout(g.client, buyer, {});
      expect(whole.orders).toEqual([]);
      expect(whole.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', message: 'The cart is empty.' });
      const chosen = await checkout(g.client, buyer, { lineIds: [lines[0].id] });
      expect(chosen.orders).toEqual([]);
      expect(chosen.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'lineIds'] });
      const viaOrders = { client: g.client.as(buyer.token) }; // the main orders instance is stopped
      expect(await stockOf(t, s.productId)).toBe(98);
      expect(await orderCount(viaOrders)).toBe(1);

      proxy.pass('removeCartLines');
      await eventually(async () => expect(await cartLines(buyer)).toEqual([]), 30_000);
      expect(await orderCount(viaOrders)).toBe(1);
    } finally {
      await g.stop();
      await orders.stop();
      await proxy.close();
      await t.stack.startSubgraph('catalog');
      await t.stack.startSubgraph('orders');
    }
  }, 120_000);

  it('gives back the stock of a failed checkout once catalog is back, when catalog went down before it could be released', async () => {
    const [a, b] = [await shop(t), await shop(t)];
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, a.variantId, 1);
    await addToCart(buyer.client, b.variantId, 1);
    const proxy = await startFaultProxy(t.stack.urls.catalog);
    const orders = await startOrdersInstance(t, { catalog: proxy.url });
    const g = await startExtraGateway(t, { urls: { orders: orders.url }, env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
    try {
      // the first store's stock is reserved; catalog stops before the second reservation
      const second = proxy.hold('reserveStock', { nth: 2, after: 'request' });
      const key = crypto.randomUUID();
      const pending = checkout(g.client, buyer, { idempotencyKey: key });
      await second.arrived;
      await t.stack.stopSubgraph('catalog');
      second.release();
      const p = await pending;
      expect(p.orders).toEqual([]);
      expect(p.userErrors[0].code).toBe('CHECKOUT_FAILED');

      await t.stack.startSubgraph('catalog');
      await eventually(async () => {
        expect(await stockOf(t, a.productId)).toBe(100);
        expect(await stockOf(t, b.productId)).toBe(100);
      }, 30_000);
      expect(await orderCount(buyer)).toBe(0);
      expect(await cartLines(buyer)).toHaveLength(2);

      // and the same key may be tried again
      const retry = await checkout(g.client, buyer, { idempotencyKey: key });
      expect(retry.userErrors).toEqual([]);
      expect(retry.orders).toHaveLength(2);
      expect(await stockOf(t, a.productId)).toBe(99);
    } finally {
      await g.stop();
      await orders.stop();
      await proxy.close();
      await t.stack.startSubgraph('catalog');
    }
  }, 120_000);
});

describe.skipIf(!onPostgres)('checkout under real concurrency (PostgreSQL only: needs concurrent connections)', () => {
  it('buys a cart line once when two checkouts with different keys race for it', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    const answers = await Promise.all([0, 1, 2, 3].map(() => checkout(t.client, buyer, {})));
    const won = answers.filter((a) => a.userErrors.length === 0);
    expect(won).toHaveLength(1);
    expect(won[0].orders).toHaveLength(1);
    for (const lost of answers.filter((a) => a.userErrors.length)) {
      expect(lost.orders).toEqual([]);
      expect(['NOT_FOUND', 'INVALID_INPUT']).toContain(lost.userErrors[0].code);
    }
    expect(await orderCount(buyer)).toBe(1);
    await eventually(async () => expect(await stockOf(t, s.productId)).toBe(99));
  }, 120_000);
});
