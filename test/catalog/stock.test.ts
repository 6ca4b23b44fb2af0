import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, onTheBus, startTestStack, type TestStack } from '../helpers/stack.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { api, createProduct, internal, openStore } from '../helpers/catalog.ts';

const STOCK = `query($id: ID!) { product(id: $id) { variants { id stock } } }`;

describe('the internal operations checkout uses', () => {
  let t: TestStack;
  let seller: Person;
  let store: { id: string; name: string };
  beforeAll(async () => {
    t = await startTestStack();
    seller = await mintPerson(t, { via: api(t) });
    store = await openStore(seller.client, 'Stock Room');
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const stockOf = async (productId: string) => (await api(t).data<any>(STOCK, { id: productId })).product.variants.map((v: any) => v.stock);

  it('refuses a caller without the subgraph secret', async () => {
    const r = await internal(t, 'reserveStock', { key: 'k', items: [] }, 'wrong-secret-wrong-secret');
    expect(r.status).toBe(401);
  });

  it('answers stores by ids, leaving unknown ids out', async () => {
    const r = await internal(t, 'storesByIds', { ids: [store.id, '00000000-0000-4000-8000-000000000000', 'junk'] });
    expect(r.body).toEqual({ stores: [{ id: store.id, ownerId: seller.userId, name: 'Stock Room' }] });
  });

  it('reserves all items or none, and never below zero', async () => {
    const p = await createProduct(seller.client, store.id, {
      variants: [{ stock: 3 }, { stock: 1, options: [{ name: 'Color', value: 'B' }] }],
    });
    const [a, b] = p.variants.map((v) => v.id);
    const fail = await internal(t, 'reserveStock', {
      key: 'order-1',
      items: [
        { variantId: a, quantity: 2 },
        { variantId: b, quantity: 2 },
      ],
    });
    expect(fail.body).toEqual({ ok: false, error: { code: 'OUT_OF_STOCK', message: expect.any(String), variantId: b } });
    expect(await stockOf(p.id)).toEqual([3, 1]);
    const ok = await internal(t, 'reserveStock', {
      key: 'order-2',
      items: [
        { variantId: a, quantity: 2 },
        { variantId: b, quantity: 1 },
      ],
    });
    expect(ok.body).toEqual({ ok: true });
    expect(await stockOf(p.id)).toEqual([1, 0]);
  });

  it('reserves once per key: the same key again answers the first answer and takes nothing more', async () => {
    const p = await createProduct(seller.client, store.id, { variants: [{ stock: 10 }] });
    const items = [{ variantId: p.variants[0].id, quantity: 4 }];
    expect((await internal(t, 'reserveStock', { key: 'once', items })).body).toEqual({ ok: true });
    expect((await internal(t, 'reserveStock', { key: 'once', items })).body).toEqual({ ok: true });
    expect(await stockOf(p.id)).toEqual([6]);
  });

  it('gives stock back once per key, and a released key never reserves again', async () => {
    const p = await createProduct(seller.client, store.id, { variants: [{ stock: 10 }] });
    const items = [{ variantId: p.variants[0].id, quantity: 4 }];
    await internal(t, 'reserveStock', { key: 'give-back', items });
    expect((await internal(t, 'releaseStock', { key: 'give-back' })).body).toEqual({ ok: true });
    expect((await internal(t, 'releaseStock', { key: 'give-back' })).body).toEqual({ ok: true });
    expect(await stockOf(p.id)).toEqual([10]);
    await internal(t, 'reserveStock', { key: 'give-back', items });
    expect(await stockOf(p.id)).toEqual([10]);
    // released before it was ever reserved (a timed-out call): the late reservation takes nothing
    expect((await internal(t, 'releaseStock', { key: 'never-reserved' })).body).toEqual({ ok: true });
    await internal(t, 'reserveStock', { key: 'never-reserved', items });
    expect(await stockOf(p.id)).toEqual([10]);
  });

  it('announces stock changes on the event bus', async () => {
    const p = await createProduct(seller.client, store.id, { variants: [{ stock: 2 }] });
    const from = t.stack.bus.position;
    await internal(t, 'reserveStock', { key: 'announce', items: [{ variantId: p.variants[0].id, quantity: 2 }] });
    await onTheBus(t, 'catalog'); // on JetStream the relay publishes it a little after the commit
    const events = await t.stack.bus.readAfter(from, { topics: ['product.stock_changed'] });
    expect(events.map((e) => e.payload)).toEqual([{ productId: p.id, variantId: p.variants[0].id, stock: 0 }]);
  });

  it('refuses malformed input without a crash', async () => {
    for (const input of [
      {},
      { key: '', items: [{ variantId: '00000000-0000-4000-8000-000000000000', quantity: 1 }] },
      { key: 'k', items: [] },
      { key: 'k', items: [{ variantId: 'x', quantity: 1 }] },
      { key: 'k', items: [{ variantId: '00000000-0000-4000-8000-000000000000', quantity: 0 }] },
      { key: 'k', items: [{ variantId: '00000000-0000-4000-8000-000000000000', quantity: 1.5 }] },
    ]) {
      const r = await internal(t, 'reserveStock', input);
      expect(r.status).toBe(200);
      expect(r.body.error.code).toBe('INVALID_INPUT');
    }
    const unknown = await internal(t, 'reserveStock', { key: 'k2', items: [{ variantId: '00000000-0000-4000-8000-000000000000', quantity: 1 }] });
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });

  it('quotes a cart for checkout at current prices, all lines or the chosen ones', async () => {
    const buyer = await mintPerson(t, { via: api(t) });
    const p = await createProduct(seller.client, store.id, {
      title: 'Quoted Lamp',
      variants: [{ price: '12.34', stock: 5, options: [{ name: 'Color', value: 'Red' }] }],
    });
    const q = await createProduct(seller.client, store.id, { title: 'Quoted Mug', variants: [{ price: '2.00', stock: 5 }] });
    const ADD = `mutation($v: ID!, $n: Int!) { addToCart(variantId: $v, quantity: $n) { cart { id lines { id } } } }`;
    await buyer.client.data(ADD, { v: p.variants[0].id, n: 2 });
    const cart = (await buyer.client.data<any>(ADD, { v: q.variants[0].id, n: 1 })).addToCart.cart;
    const all = await internal(t, 'checkoutQuote', { buyerId: buyer.userId });
    expect(all.body).toEqual({
      ok: true,
      cartId: cart.id,
      lines: [
        {
          lineId: cart.lines[0].id,
          productId: p.id,
          variantId: p.variants[0].id,
          storeId: store.id,
          storeOwnerId: seller.userId,
          storeName: 'Stock Room',
          title: 'Quoted Lamp',
          options: [{ name: 'Color', value: 'Red' }],
          unitPrice: 1234,
          quantity: 2,
          available: true,
        },
        expect.objectContaining({ lineId: cart.lines[1].id, title: 'Quoted Mug', unitPrice: 200, quantity: 1 }),
      ],
      // the store set no shipping options: the defaults (docs/catalog.md, "Shipping")
      shipping: [
        {
          storeId: store.id,
          handlingDays: Math.ceil(t.config.orderClock.shippingWindowS / 86_400),
          handlingSet: false,
          options: [
            { method: 'STANDARD', country: null, cost: 0, minDays: 10, maxDays: 20 },
            { method: 'EXPRESS', country: null, cost: t.config.expressShippingFee, minDays: 3, maxDays: 7 },
          ],
        },
      ],
    });
    const some = await internal(t, 'checkoutQuote', { buyerId: buyer.userId, lineIds: [cart.lines[1].id] });
    expect(some.body.lines.map((l: any) => l.title)).toEqual(['Quoted Mug']);
    expect((await internal(t, 'checkoutQuote', { buyerId: buyer.userId, lineIds: ['00000000-0000-4000-8000-000000000000'] })).body.error.code).toBe(
      'NOT_FOUND',
    );
    expect((await internal(t, 'checkoutQuote', { buyerId: buyer.userId, lineIds: [] })).body.error.code).toBe('INVALID_INPUT');
    // somebody else's cart is not found for this buyer
    const other = await mintPerson(t, { via: api(t) });
    expect((await internal(t, 'checkoutQuote', { buyerId: other.userId, cartId: cart.id })).body.error.code).toBe('NOT_FOUND');
    expect((await internal(t, 'checkoutQuote', { buyerId: other.userId })).body.error.code).toBe('INVALID_INPUT');

    await internal(t, 'removeCartLines', { cartId: cart.id, lineIds: [cart.lines[0].id] });
    const left = await internal(t, 'checkoutQuote', { buyerId: buyer.userId });
    expect(left.body.lines.map((l: any) => l.title)).toEqual(['Quoted Mug']);
  });

  it('quotes a guest cart by its id', async () => {
    const cart = (await api(t).data<any>(`mutation { createGuestCart { id } }`)).createGuestCart;
    const p = await createProduct(seller.client, store.id, { variants: [{ stock: 5 }] });
    await api(t).data(`mutation($c: ID, $v: ID!) { addToCart(cartId: $c, variantId: $v, quantity: 1) { userErrors { code } } }`, {
      c: cart.id,
      v: p.variants[0].id,
    });
    const buyer = await mintPerson(t, { via: api(t) });
    const r = await internal(t, 'checkoutQuote', { buyerId: buyer.userId, cartId: cart.id });
    expect(r.body).toMatchObject({ ok: true, cartId: cart.id, lines: [{ variantId: p.variants[0].id, quantity: 1 }] });
  });
});

describe('stock reservation under concurrency', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it.skipIf(!onPostgres)('never oversells: 20 concurrent reservations of the last 5 units (PostgreSQL only)', async () => {
    const seller = await mintPerson(t, { via: api(t) });
    const store = await openStore(seller.client);
    const p = await createProduct(seller.client, store.id, { variants: [{ stock: 5 }, { stock: 100, options: [{ name: 'Color', value: 'Z' }] }] });
    const [scarce, plenty] = p.variants.map((v) => v.id);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        internal(t, 'reserveStock', {
          key: `race-${i}`,
          // each takes one scarce unit and two plentiful ones, in varying order
          items:
            i % 2
              ? [
                  { variantId: scarce, quantity: 1 },
                  { variantId: plenty, quantity: 2 },
                ]
              : [
                  { variantId: plenty, quantity: 2 },
                  { variantId: scarce, quantity: 1 },
                ],
        }),
      ),
    );
    const ok = results.filter((r) => r.body.ok === true).length;
    expect(ok).toBe(5);
    expect(results.filter((r) => r.body.ok === false).every((r) => r.body.error.code === 'OUT_OF_STOCK')).toBe(true);
    const stock = (await api(t).data<any>(STOCK, { id: p.id })).product.variants.map((v: any) => v.stock);
    expect(stock).toEqual([0, 90]);
  });

  it.skipIf(!onPostgres)('reserves once when the same key arrives 10 times at once (PostgreSQL only)', async () => {
    const seller = await mintPerson(t, { via: api(t) });
    const store = await openStore(seller.client);
    const p = await createProduct(seller.client, store.id, { variants: [{ stock: 50 }] });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => internal(t, 'reserveStock', { key: 'same-key', items: [{ variantId: p.variants[0].id, quantity: 3 }] })),
    );
    expect(results.every((r) => r.body.ok === true)).toBe(true);
    expect((await api(t).data<any>(STOCK, { id: p.id })).product.variants[0].stock).toBe(47);
  });
});
