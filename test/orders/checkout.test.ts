/**
 * Checkout end to end through the gateway: catalog (products, carts, stock),
 * users (addresses, names) and promotions (coupons) all take part.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { registerBuyer, registerUser, type Buyer } from '../helpers/accounts.ts';
import { M, ORDER_QUERY, addToCart, eventually, expectOk, pay, shop, stockOf, type Shop } from '../helpers/orders.ts';

const CART = `{ viewer { id cart { id lines { id quantity } } } }`;
const cartOf = async (b: Buyer) => (await b.client.data<any>(CART)).viewer.cart;

function checkout(b: Buyer, input: Record<string, unknown>) {
  return b.client
    .data<{ checkout: any }>(M.checkout, {
      input: { shippingAddressId: b.addressId, idempotencyKey: crypto.randomUUID(), ...input },
    })
    .then((d) => d.checkout);
}

async function sellerCoupon(s: Shop, t: TestStack, input: Record<string, unknown> = {}): Promise<string> {
  const code = `S${crypto.randomBytes(5).toString('hex')}`.toUpperCase();
  await expectOk(
    s.seller.client,
    `mutation($input: CreateCouponInput!) { createCoupon(input: $input) { coupon { id } userErrors { field code message } } }`,
    {
      input: {
        kind: 'SELLER',
        storeId: s.storeId,
        code,
        title: 'Store coupon',
        amountOff: '2.00',
        minOrderAmount: '0',
        expiresAt: new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString(),
        ...input,
      },
    },
    'createCoupon',
  );
  return code;
}

async function claim(b: Buyer, code: string): Promise<void> {
  await expectOk(
    b.client,
    `mutation($code: String) { claimCoupon(code: $code) { userCoupon { status } userErrors { field code message } } }`,
    { code },
    'claimCoupon',
  );
}

const couponStatus = async (b: Buyer, code: string) => {
  const d = await b.client.data<any>(`{ viewer { coupons { status coupon { code } } } }`);
  return d.viewer.coupons.find((c: any) => c.coupon.code === code)?.status;
};

let t: TestStack;
beforeAll(async () => {
  // a checkout makes several internal calls; on a loaded CI machine they can outlast the 5 s default
  t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
}, 240_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

describe('checkout', () => {
  it('turns the cart into one order per store, snapshotting prices, titles, options and the address, and empties the bought lines', async () => {
    const [a, b] = [await shop(t, { price: '10.00' }), await shop(t, { price: '3.50' })];
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, a.variantId, 2);
    await addToCart(buyer.client, b.variantId, 1);
    const p = await checkout(buyer, { shipping: [{ storeId: b.storeId, method: 'EXPRESS' }] });
    expect(p.userErrors).toEqual([]);
    expect(p.orders).toHaveLength(2);
    const byStore = Object.fromEntries(p.orders.map((o: any) => [o.store.id, o]));
    expect(byStore[a.storeId]).toMatchObject({
      status: 'PAYMENT_REQUIRED',
      shippingMethod: 'STANDARD',
      subtotal: { amount: '20.00' },
      shippingCost: { amount: '0.00' },
      total: { amount: '20.00' },
      lines: [{ title: 'Test lamp', quantity: 2, unitPrice: { amount: '10.00' }, options: [{ name: 'Color', value: 'Blue' }] }],
      shippingAddress: { recipientName: 'Ada Buyer', city: 'Springfield', postalCode: '90210' },
    });
    expect(byStore[b.storeId]).toMatchObject({ shippingMethod: 'EXPRESS', shippingCost: { amount: '9.99' }, total: { amount: '13.49' } });
    expect(byStore[a.storeId].paymentDeadline).toBeTruthy();
    expect((await cartOf(buyer))?.lines ?? []).toEqual([]);
    expect(await stockOf(t, a.productId)).toBe(98);
  });

  it('buys only the chosen lines, leaving the others in the cart', async () => {
    const [a, b] = [await shop(t), await shop(t)];
    const buyer = await registerBuyer(t.client);
    const cart = await addToCart(buyer.client, a.variantId, 1);
    const after = await addToCart(buyer.client, b.variantId, 1);
    const keep = after.lines.find((l) => !cart.lines.some((c) => c.id === l.id))!;
    const p = await checkout(buyer, { lineIds: [cart.lines[0].id] });
    expect(p.orders.map((o: any) => o.store.id)).toEqual([a.storeId]);
    expect((await cartOf(buyer)).lines.map((l: any) => l.id)).toEqual([keep.id]);
  });

  it('returns the same orders for the same idempotency key, also when the two calls race, and creates nothing more', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    const key = crypto.randomUUID();
    const [x, y] = await Promise.all([checkout(buyer, { idempotencyKey: key }), checkout(buyer, { idempotencyKey: key })]);
    const z = await checkout(buyer, { idempotencyKey: key });
    expect(x.userErrors).toEqual([]);
    expect(y.orders.map((o: any) => o.id)).toEqual(x.orders.map((o: any) => o.id));
    expect(z.orders.map((o: any) => o.id)).toEqual(x.orders.map((o: any) => o.id));
    expect(await stockOf(t, s.productId)).toBe(99);
    const all = await buyer.client.data<any>(`{ viewer { orders { totalCount } } }`);
    expect(all.viewer.orders.totalCount).toBe(1);
  });

  it('checks out a guest cart by its id', async () => {
    const s = await shop(t);
    const guest = await t.client.data<any>(`mutation { createGuestCart { id } }`);
    await addToCart(t.client, s.variantId, 2, guest.createGuestCart.id);
    const buyer = await registerBuyer(t.client);
    const p = await checkout(buyer, { cartId: guest.createGuestCart.id });
    expect(p.userErrors).toEqual([]);
    expect(p.orders[0].lines[0].quantity).toBe(2);
  });

  it('asks a guest to sign in before checking out', async () => {
    const r = await t.client.request(M.checkout, { input: { shippingAddressId: crypto.randomUUID(), idempotencyKey: 'k' } });
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an empty cart, lines of another cart, and an address that is not mine, changing nothing', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    const empty = await checkout(buyer, {});
    expect(empty.userErrors[0].code).toMatch(/INVALID_INPUT|NOT_FOUND/);

    const other = await registerBuyer(t.client);
    const theirs = await addToCart(other.client, s.variantId, 1);
    await addToCart(buyer.client, s.variantId, 1);
    const foreignLine = await checkout(buyer, { lineIds: [theirs.lines[0].id] });
    expect(foreignLine.userErrors[0].code).toBe('NOT_FOUND');

    const foreignAddress = await checkout(buyer, { shippingAddressId: other.addressId });
    expect(foreignAddress.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'shippingAddressId'] });
    const bogus = await checkout(buyer, { shippingAddressId: 'not-an-id', lineIds: ['also-not'] });
    expect(bogus.userErrors[0].code).toBe('NOT_FOUND');

    expect(await stockOf(t, s.productId)).toBe(100);
    expect((await cartOf(buyer)).lines).toHaveLength(1);
    expect((await cartOf(other)).lines).toHaveLength(1);
  });

  it('refuses a malformed input field by field, before asking any other service, and places nothing', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    const cases: [Record<string, unknown>, { code: string; field: string[]; message: string }][] = [
      [{ idempotencyKey: ' ' }, { code: 'INVALID_INPUT', field: ['input', 'idempotencyKey'], message: 'idempotencyKey must be 1–200 characters.' }],
      [{ idempotencyKey: 'k'.repeat(201) }, { code: 'INVALID_INPUT', field: ['input', 'idempotencyKey'], message: 'idempotencyKey must be 1–200 characters.' }],
      [{ cartId: 'not-a-cart' }, { code: 'NOT_FOUND', field: ['input', 'cartId'], message: 'No such cart.' }],
      [{ lineIds: [] }, { code: 'INVALID_INPUT', field: ['input', 'lineIds'], message: 'Choose at least one cart line.' }],
      [{ lineIds: ['not-a-line'] }, { code: 'NOT_FOUND', field: ['input', 'lineIds'], message: 'No such cart line.' }],
      [
        { shipping: [{ storeId: 'not-a-store', method: 'STANDARD' }] },
        { code: 'INVALID_INPUT', field: ['input', 'shipping'], message: 'Unknown store in shipping.' },
      ],
      [{ expectedTotal: 'twelve' }, { code: 'INVALID_INPUT', field: ['input', 'expectedTotal'], message: 'expectedTotal must be an amount such as "12.50".' }],
      [
        { couponCodes: Array.from({ length: 21 }, (_, i) => `C${i}`) },
        { code: 'INVALID_INPUT', field: ['input', 'couponCodes'], message: 'Too many or too long coupon codes.' },
      ],
    ];
    for (const [input, error] of cases) {
      expect(await checkout(buyer, input), JSON.stringify(input).slice(0, 60)).toEqual({ orders: [], userErrors: [error] });
    }
    expect(await stockOf(t, s.productId)).toBe(100);
    expect((await cartOf(buyer)).lines).toHaveLength(1);
  });

  it('applies a claimed seller coupon, and gives it and the stock back when the unpaid order is cancelled', async () => {
    const s = await shop(t, { price: '10.00' });
    const buyer = await registerBuyer(t.client);
    const code = await sellerCoupon(s, t);
    await claim(buyer, code);
    await addToCart(buyer.client, s.variantId, 1);
    const p = await checkout(buyer, { couponCodes: [code] });
    expect(p.userErrors).toEqual([]);
    expect(p.orders[0]).toMatchObject({ discount: { amount: '2.00' }, total: { amount: '8.00' }, couponCodes: [code] });
    expect(await couponStatus(buyer, code)).toBe('USED');
    expect(await stockOf(t, s.productId)).toBe(99);

    await buyer.client.data(M.cancel, { id: p.orders[0].id });
    await eventually(async () => {
      expect(await stockOf(t, s.productId)).toBe(100);
      expect(await couponStatus(buyer, code)).toBe('AVAILABLE');
    });
  });

  it('fails at the coupon step without touching stock, coupons or the cart', async () => {
    const s = await shop(t, { price: '10.00' });
    const buyer = await registerBuyer(t.client);
    const code = await sellerCoupon(s, t, { minOrderAmount: '500.00' });
    await claim(buyer, code);
    await addToCart(buyer.client, s.variantId, 1);
    const p = await checkout(buyer, { couponCodes: [code] });
    expect(p.userErrors[0].code).toBe('COUPON_NOT_APPLICABLE');
    expect(p.orders).toEqual([]);
    expect(await stockOf(t, s.productId)).toBe(100);
    expect(await couponStatus(buyer, code)).toBe('AVAILABLE');
    expect((await cartOf(buyer)).lines).toHaveLength(1);
  });

  it('fails at the stock step and gives the coupon back, leaving the cart as it was', async () => {
    const s = await shop(t, { price: '10.00', stock: 2 });
    const buyer = await registerBuyer(t.client);
    const rival = await registerBuyer(t.client);
    const code = await sellerCoupon(s, t);
    await claim(buyer, code);
    await addToCart(buyer.client, s.variantId, 2);
    await addToCart(rival.client, s.variantId, 2);
    expect((await checkout(rival, {})).userErrors).toEqual([]);
    const p = await checkout(buyer, { couponCodes: [code] });
    expect(p.userErrors[0].code).toBe('OUT_OF_STOCK');
    expect(await couponStatus(buyer, code)).toBe('AVAILABLE');
    expect((await cartOf(buyer)).lines).toHaveLength(1);
    expect(await stockOf(t, s.productId)).toBe(0);
  });
});

describe('seller views, ratings and reviews', () => {
  it('shows a store’s orders to its owner only, even before the first order', async () => {
    const s = await shop(t);
    const Q = `query($id: ID!) { store(id: $id) { id orders { totalCount edges { node { id } } } } }`;
    const none = await s.seller.client.data<any>(Q, { id: s.storeId });
    expect(none.store.orders.totalCount).toBe(0);
    const stranger = await registerUser(t.client);
    const denied = await stranger.client.request(Q, { id: s.storeId });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    const p = await checkout(buyer, {});
    const mine = await s.seller.client.data<any>(Q, { id: s.storeId });
    expect(mine.store.orders.edges.map((e: any) => e.node.id)).toEqual([p.orders[0].id]);
    expect((await stranger.client.request(Q, { id: s.storeId })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('turns feedback into the product’s rating and reviews and the store’s rating', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    const id = (await checkout(buyer, {})).orders[0].id;
    await pay(buyer, [id]);
    await expectOk(s.seller.client, M.ship, { id, tn: 'TN-9' }, 'shipOrder');
    await expectOk(buyer.client, M.confirm, { id }, 'confirmReceipt');
    await expectOk(
      buyer.client,
      M.feedback,
      { id, input: { productRating: 4, shippingRating: 5, communicationRating: 5, comment: 'Bright' } },
      'leaveFeedback',
    );
    const r = await t.client.data<any>(
      `query($id: ID!) { product(id: $id) { rating reviewCount reviews(first: 5) { totalCount edges { node { rating comment authorName } } } store { rating } } }`,
      { id: s.productId },
    );
    expect(r.product).toMatchObject({
      rating: 4,
      reviewCount: 1,
      reviews: { totalCount: 1, edges: [{ node: { rating: 4, comment: 'Bright', authorName: 'Ada Buyer' } }] },
      store: { rating: 4 },
    });
    const order = (await buyer.client.data<any>(ORDER_QUERY, { id })).order;
    expect(order.status).toBe('COMPLETED');
  });
});

describe.skipIf(!onPostgres)('checkout under real concurrency (PostgreSQL only: needs concurrent connections)', () => {
  it('sells the last 3 units to exactly 3 of 20 racing buyers, never below zero', async () => {
    const s = await shop(t, { stock: 3 });
    const buyers: Buyer[] = [];
    for (let i = 0; i < 20; i++) buyers.push(await registerBuyer(t.client)); // password hashing is slow: sign up one by one
    await Promise.all(buyers.map((b) => addToCart(b.client, s.variantId, 1)));
    const answers = await Promise.all(buyers.map((b) => checkout(b, {})));
    const won = answers.filter((a) => a.userErrors.length === 0);
    expect(won).toHaveLength(3);
    expect(answers.filter((a) => a.userErrors.length).every((a) => a.userErrors[0].code === 'OUT_OF_STOCK')).toBe(true);
    expect(await stockOf(t, s.productId)).toBe(0);
  }, 240_000);

  it('lets only one of two concurrent checkouts use a coupon claimed once', async () => {
    const s = await shop(t, { price: '10.00' });
    const buyer = await registerBuyer(t.client);
    const code = await sellerCoupon(s, t);
    await claim(buyer, code);
    const guestCarts = await Promise.all([0, 1].map(() => t.client.data<any>(`mutation { createGuestCart { id } }`)));
    for (const g of guestCarts) await addToCart(t.client, s.variantId, 1, g.createGuestCart.id);
    const answers = await Promise.all(guestCarts.map((g) => checkout(buyer, { cartId: g.createGuestCart.id, couponCodes: [code] })));
    expect(answers.filter((a) => a.userErrors.length === 0)).toHaveLength(1);
    expect(answers.find((a) => a.userErrors.length)!.userErrors[0].code).toBe('COUPON_NOT_APPLICABLE');
    expect(await stockOf(t, s.productId)).toBe(99);
  });
});
