import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish } from '../../platform/events/bus.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { mintPerson, registerUser, type Person } from '../helpers/accounts.ts';
import { api, createProduct, internal, openStore } from '../helpers/catalog.ts';

const CART = `id totalQuantity subtotal { amount currencyCode } lines { id quantity unitPrice { amount } subtotal { amount } product { title } variant { id sku } }`;
const PAYLOAD = `cart { ${CART} } userErrors { field code message }`;
const ADD = `mutation($cartId: ID, $variantId: ID!, $quantity: Int!) { addToCart(cartId: $cartId, variantId: $variantId, quantity: $quantity) { ${PAYLOAD} } }`;
const UPDATE = `mutation($cartId: ID, $lineId: ID!, $quantity: Int!) { updateCartLine(cartId: $cartId, lineId: $lineId, quantity: $quantity) { ${PAYLOAD} } }`;
const REMOVE = `mutation($cartId: ID, $lineId: ID!) { removeCartLine(cartId: $cartId, lineId: $lineId) { ${PAYLOAD} } }`;
const MERGE = `mutation($id: ID!) { mergeGuestCart(guestCartId: $id) { ${PAYLOAD} } }`;
const READ = `query($id: ID!) { cart(id: $id) { ${CART} } }`;
const NEW_CART = `mutation { createGuestCart { ${CART} } }`;
const UPDATE_VARIANT = `mutation($id: ID!, $input: UpdateVariantInput!) { updateVariant(variantId: $id, input: $input) { userErrors { code } } }`;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('carts', () => {
  let t: TestStack;
  let seller: Person;
  let lamp: { id: string; variants: { id: string }[] };
  let mug: { id: string; variants: { id: string }[] };

  beforeAll(async () => {
    t = await startTestStack();
    seller = await mintPerson(t, { via: api(t) });
    const store = await openStore(seller.client, 'Cart Test Store');
    lamp = await createProduct(seller.client, store.id, { title: 'Desk Lamp', variants: [{ price: '25.00', stock: 5 }] });
    mug = await createProduct(seller.client, store.id, { title: 'Mug', variants: [{ price: '4.50', stock: 1000 }] });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const guest = () => api(t);
  const newGuestCart = async () => (await guest().data<any>(NEW_CART)).createGuestCart;

  it.skipIf(!onPostgres)('adds up ten concurrent additions of the same item to one cart (PostgreSQL)', async () => {
    const cart = await newGuestCart();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => guest().data<any>(ADD, { cartId: cart.id, variantId: mug.variants[0].id, quantity: 1 })),
    );
    expect(results.every((r) => r.addToCart.userErrors.length === 0)).toBe(true);
    const after = (await guest().data<any>(READ, { id: cart.id })).cart;
    expect(after.lines).toHaveLength(1);
    expect(after.lines[0].quantity).toBe(10);
  });

  it('gives a guest an empty cart with an unguessable random id', async () => {
    const a = await newGuestCart();
    const b = await newGuestCart();
    expect(a).toEqual({ id: expect.stringMatching(UUID_V4), totalQuantity: 0, subtotal: { amount: '0.00', currencyCode: 'USD' }, lines: [] });
    expect(b.id).not.toBe(a.id);
  });

  it('lets a guest fill, change and empty a cart by its id', async () => {
    const cart = await newGuestCart();
    let d = await guest().data<any>(ADD, { cartId: cart.id, variantId: lamp.variants[0].id, quantity: 2 });
    expect(d.addToCart.userErrors).toEqual([]);
    d = await guest().data<any>(ADD, { cartId: cart.id, variantId: mug.variants[0].id, quantity: 3 });
    d = await guest().data<any>(ADD, { cartId: cart.id, variantId: lamp.variants[0].id, quantity: 1 });
    expect(d.addToCart.cart).toMatchObject({
      totalQuantity: 6,
      subtotal: { amount: '88.50' },
      lines: [
        { quantity: 3, unitPrice: { amount: '25.00' }, subtotal: { amount: '75.00' }, product: { title: 'Desk Lamp' } },
        { quantity: 3, unitPrice: { amount: '4.50' }, subtotal: { amount: '13.50' }, product: { title: 'Mug' } },
      ],
    });
    const [lampLine, mugLine] = d.addToCart.cart.lines;
    d = await guest().data<any>(UPDATE, { cartId: cart.id, lineId: mugLine.id, quantity: 10 });
    expect(d.updateCartLine.cart.totalQuantity).toBe(13);
    d = await guest().data<any>(UPDATE, { cartId: cart.id, lineId: mugLine.id, quantity: 0 });
    expect(d.updateCartLine.cart.lines.map((l: any) => l.id)).toEqual([lampLine.id]);
    d = await guest().data<any>(REMOVE, { cartId: cart.id, lineId: lampLine.id });
    expect(d.removeCartLine.cart.lines).toEqual([]);
    expect((await guest().data<any>(READ, { id: cart.id })).cart.totalQuantity).toBe(0);
  });

  it('refuses quantities outside 1–999 with INVALID_INPUT and changes nothing', async () => {
    const cart = await newGuestCart();
    for (const quantity of [0, -1, 1000, 2 ** 31 - 1]) {
      const d = await guest().data<any>(ADD, { cartId: cart.id, variantId: mug.variants[0].id, quantity });
      expect(d.addToCart).toEqual({ cart: null, userErrors: [{ field: ['quantity'], code: 'INVALID_INPUT', message: expect.any(String) }] });
    }
    const huge = await guest().request(ADD, { cartId: cart.id, variantId: mug.variants[0].id, quantity: 2 ** 40 });
    expect(huge.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await guest().data<any>(ADD, { cartId: cart.id, variantId: mug.variants[0].id, quantity: 999 });
    const more = await guest().data<any>(ADD, { cartId: cart.id, variantId: mug.variants[0].id, quantity: 1 });
    expect(more.addToCart.userErrors[0].code).toBe('INVALID_INPUT');
    expect((await guest().data<any>(READ, { id: cart.id })).cart.totalQuantity).toBe(999);
  });

  it('refuses more than the stock with OUT_OF_STOCK, counting what is already in the cart', async () => {
    const cart = await newGuestCart();
    const over = await guest().data<any>(ADD, { cartId: cart.id, variantId: lamp.variants[0].id, quantity: 6 });
    expect(over.addToCart.userErrors).toEqual([{ field: ['quantity'], code: 'OUT_OF_STOCK', message: expect.any(String) }]);
    await guest().data<any>(ADD, { cartId: cart.id, variantId: lamp.variants[0].id, quantity: 4 });
    const again = await guest().data<any>(ADD, { cartId: cart.id, variantId: lamp.variants[0].id, quantity: 2 });
    expect(again.addToCart.userErrors[0].code).toBe('OUT_OF_STOCK');
    const line = (await guest().data<any>(READ, { id: cart.id })).cart.lines[0];
    const raise = await guest().data<any>(UPDATE, { cartId: cart.id, lineId: line.id, quantity: 6 });
    expect(raise.updateCartLine.userErrors[0].code).toBe('OUT_OF_STOCK');
  });

  it('answers NOT_FOUND for unknown carts, variants and lines, whatever the id looks like', async () => {
    const cart = await newGuestCart();
    const cases: [string, Record<string, unknown>, string[]][] = [
      [ADD, { cartId: '00000000-0000-4000-8000-000000000000', variantId: mug.variants[0].id, quantity: 1 }, ['cartId']],
      [ADD, { cartId: "x' or 1=1 --", variantId: mug.variants[0].id, quantity: 1 }, ['cartId']],
      [ADD, { cartId: cart.id, variantId: '00000000-0000-4000-8000-000000000000', quantity: 1 }, ['variantId']],
      [ADD, { cartId: cart.id, variantId: 'not-a-uuid', quantity: 1 }, ['variantId']],
      [UPDATE, { cartId: cart.id, lineId: '00000000-0000-4000-8000-000000000000', quantity: 1 }, ['lineId']],
      [REMOVE, { cartId: cart.id, lineId: '%' }, ['lineId']],
    ];
    for (const [q, vars, field] of cases) {
      const r = await guest().request(q, vars);
      const p = Object.values(r.data ?? {})[0] as any;
      expect(p.userErrors, JSON.stringify(vars)).toEqual([{ field, code: 'NOT_FOUND', message: expect.any(String) }]);
    }
    expect((await guest().data<any>(READ, { id: 'not-a-uuid' })).cart).toBeNull();
  });

  it("asks a guest to sign in for their own cart, and answers the cart's current prices", async () => {
    const r = await guest().request(ADD, { variantId: mug.variants[0].id, quantity: 1 });
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const ann = await mintPerson(t, { via: api(t) });
    const d = await ann.client.data<any>(ADD, { variantId: mug.variants[0].id, quantity: 2 });
    expect(d.addToCart.cart.subtotal.amount).toBe('9.00');
    await seller.client.data(UPDATE_VARIANT, { id: mug.variants[0].id, input: { price: '5.00' } });
    const after = await ann.client.data<any>(ADD, { variantId: mug.variants[0].id, quantity: 1 });
    expect(after.addToCart.cart).toMatchObject({ subtotal: { amount: '15.00' }, lines: [{ quantity: 3, unitPrice: { amount: '5.00' } }] });
    // the same cart every time
    expect(after.addToCart.cart.id).toBe(d.addToCart.cart.id);
  });

  it("keeps a person's cart theirs: FORBIDDEN for another person, UNAUTHENTICATED for a guest, null when read by id", async () => {
    const ann = await mintPerson(t, { via: api(t) });
    const bob = await mintPerson(t, { via: api(t) });
    const annCart = (await ann.client.data<any>(ADD, { variantId: mug.variants[0].id, quantity: 1 })).addToCart.cart;
    const byBob = await bob.client.request(ADD, { cartId: annCart.id, variantId: mug.variants[0].id, quantity: 1 });
    expect(byBob.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const byGuest = await guest().request(REMOVE, { cartId: annCart.id, lineId: annCart.lines[0].id });
    expect(byGuest.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await bob.client.data<any>(READ, { id: annCart.id })).cart).toBeNull();
    expect((await guest().data<any>(READ, { id: annCart.id })).cart).toBeNull();
    expect((await ann.client.data<any>(READ, { id: annCart.id })).cart.totalQuantity).toBe(1);
    const merge = await bob.client.request(MERGE, { id: annCart.id });
    expect(merge.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('lets a signed-in person use a guest cart id they hold', async () => {
    const ann = await mintPerson(t, { via: api(t) });
    const cart = await newGuestCart();
    const d = await ann.client.data<any>(ADD, { cartId: cart.id, variantId: mug.variants[0].id, quantity: 1 });
    expect(d.addToCart.cart.id).toBe(cart.id);
  });

  it('merges a guest cart into the viewer cart: quantities add up, capped by stock, the guest cart is emptied, and again changes nothing', async () => {
    const ann = await mintPerson(t, { via: api(t) });
    await ann.client.data(ADD, { variantId: lamp.variants[0].id, quantity: 3 });
    const guestCart = await newGuestCart();
    await guest().data(ADD, { cartId: guestCart.id, variantId: lamp.variants[0].id, quantity: 4 });
    await guest().data(ADD, { cartId: guestCart.id, variantId: mug.variants[0].id, quantity: 2 });
    const d = await ann.client.data<any>(MERGE, { id: guestCart.id });
    expect(d.mergeGuestCart.userErrors).toEqual([]);
    // the lamp has 5 in stock: 3 + 4 is capped at 5
    expect(d.mergeGuestCart.cart.lines.map((l: any) => [l.product.title, l.quantity])).toEqual([
      ['Desk Lamp', 5],
      ['Mug', 2],
    ]);
    expect((await guest().data<any>(READ, { id: guestCart.id })).cart.lines).toEqual([]);
    const again = await ann.client.data<any>(MERGE, { id: guestCart.id });
    expect(again.mergeGuestCart.cart.totalQuantity).toBe(7);
    const guestMerge = await guest().request(MERGE, { id: guestCart.id });
    expect(guestMerge.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const unknown = await ann.client.data<any>(MERGE, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.mergeGuestCart.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['guestCartId'] });
  });
});

describe('wish list and store list', () => {
  let t: TestStack;
  let seller: Person;
  let store: { id: string };
  let products: { id: string }[];
  beforeAll(async () => {
    t = await startTestStack();
    seller = await mintPerson(t, { via: api(t) });
    store = await openStore(seller.client, 'Wishful Things');
    products = [];
    for (let i = 0; i < 5; i++) products.push(await createProduct(seller.client, store.id, { title: `Wish ${i}` }));
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const ADD_WISH = `mutation($id: ID!) { addToWishList(productId: $id) { product { id } userErrors { field code } } }`;
  const REMOVE_WISH = `mutation($id: ID!) { removeFromWishList(productId: $id) { product { id } userErrors { field code } } }`;
  const FOLLOW = `mutation($id: ID!) { followStore(storeId: $id) { store { id followerCount } userErrors { field code } } }`;
  const UNFOLLOW = `mutation($id: ID!) { unfollowStore(storeId: $id) { store { id followerCount } userErrors { field code } } }`;

  it('adds and removes products idempotently, and asks guests to sign in', async () => {
    const ann = await mintPerson(t, { via: api(t) });
    for (let i = 0; i < 2; i++) {
      const d = await ann.client.data<any>(ADD_WISH, { id: products[0].id });
      expect(d.addToWishList).toEqual({ product: { id: products[0].id }, userErrors: [] });
    }
    for (let i = 0; i < 2; i++) {
      const d = await ann.client.data<any>(REMOVE_WISH, { id: products[0].id });
      expect(d.removeFromWishList.userErrors).toEqual([]);
    }
    const unknown = await ann.client.data<any>(ADD_WISH, { id: 'nope' });
    expect(unknown.addToWishList).toEqual({ product: null, userErrors: [{ field: ['productId'], code: 'NOT_FOUND' }] });
    const g = await api(t).request(ADD_WISH, { id: products[0].id });
    expect(g.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('follows and unfollows stores idempotently, counting followers', async () => {
    const ann = await mintPerson(t, { via: api(t) });
    const bob = await mintPerson(t, { via: api(t) });
    expect((await ann.client.data<any>(FOLLOW, { id: store.id })).followStore.store.followerCount).toBe(1);
    expect((await ann.client.data<any>(FOLLOW, { id: store.id })).followStore.store.followerCount).toBe(1);
    expect((await bob.client.data<any>(FOLLOW, { id: store.id })).followStore.store.followerCount).toBe(2);
    expect((await bob.client.data<any>(UNFOLLOW, { id: store.id })).unfollowStore.store.followerCount).toBe(1);
    expect((await bob.client.data<any>(UNFOLLOW, { id: store.id })).unfollowStore.store.followerCount).toBe(1);
    const unknown = await ann.client.data<any>(FOLLOW, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.followStore.userErrors).toEqual([{ field: ['storeId'], code: 'NOT_FOUND' }]);
    await ann.client.data(UNFOLLOW, { id: store.id });
  });

  it('deletes the cart, wish list and store list of a deactivated person, and keeps their stores', async () => {
    const ann = await mintPerson(t, { via: api(t) });
    const annStore = await openStore(ann.client, 'Ann Leaves');
    await ann.client.data(ADD_WISH, { id: products[1].id });
    await ann.client.data(FOLLOW, { id: store.id });
    const variant = (await api(t).data<any>(`query($id: ID!) { product(id: $id) { variants { id } } }`, { id: products[1].id })).product.variants[0].id;
    await ann.client.data(`mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { userErrors { code } } }`, { v: variant });
    expect((await internal(t, 'checkoutQuote', { buyerId: ann.userId })).body.ok).toBe(true);

    await t.stack.eventsDb.drizzle.transaction((tx) => publish(tx, [{ topic: 'user.deactivated', payload: { userId: ann.userId }, audience: [ann.userId] }]));
    await expect.poll(async () => (await internal(t, 'checkoutQuote', { buyerId: ann.userId })).body.error?.code, { timeout: 10_000 }).toBe('INVALID_INPUT');
    expect((await api(t).data<any>(`query($id: ID!) { store(id: $id) { followerCount } }`, { id: store.id })).store.followerCount).toBe(0);
    expect((await api(t).data<any>(`query($id: ID!) { store(id: $id) { name } }`, { id: annStore.id })).store.name).toBe('Ann Leaves');
  });
});

describe("the viewer's cart, Wish List, Store List and stores", () => {
  let t: TestStack;
  let seller: Person;
  let store: { id: string };
  let products: { id: string; variants: { id: string }[] }[];
  beforeAll(async () => {
    t = await startTestStack();
    seller = await mintPerson(t, { via: api(t) });
    store = await openStore(seller.client, 'Viewer Goods');
    products = [];
    for (let i = 0; i < 5; i++) products.push(await createProduct(seller.client, store.id, { title: `Viewer ${i}` }));
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const VIEWER = `query($after: String) { viewer { id
    cart { id totalQuantity }
    wishList(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { title } } }
    storeList { name followerCount }
    stores { name } } }`;

  it.skipIf(Boolean(process.env.CATALOG_TEST_DIRECT))(
    'shows the signed-in person their cart, saved products newest first, followed stores and own stores',
    async () => {
      const ann = await registerUser(t.client);
      await ann.client.data(`mutation($v: ID!) { addToCart(variantId: $v, quantity: 2) { userErrors { code } } }`, { v: products[0].variants[0].id });
      for (const p of products) {
        t.clock.advance(1);
        await ann.client.data(`mutation($id: ID!) { addToWishList(productId: $id) { userErrors { code } } }`, { id: p.id });
      }
      await ann.client.data(`mutation($id: ID!) { followStore(storeId: $id) { userErrors { code } } }`, { id: store.id });
      await openStore(ann.client, 'Ann Own Shop');

      const first = await ann.client.data<any>(VIEWER, {});
      expect(first.viewer.cart.totalQuantity).toBe(2);
      expect(first.viewer.storeList).toEqual([{ name: 'Viewer Goods', followerCount: 1 }]);
      expect(first.viewer.stores).toEqual([{ name: 'Ann Own Shop' }]);
      const titles: string[] = [];
      let page = first.viewer.wishList;
      for (;;) {
        expect(page.totalCount).toBe(5);
        titles.push(...page.edges.map((e: any) => e.node.title));
        if (!page.pageInfo.hasNextPage) break;
        page = (await ann.client.data<any>(VIEWER, { after: page.pageInfo.endCursor })).viewer.wishList;
      }
      expect(titles).toEqual(['Viewer 4', 'Viewer 3', 'Viewer 2', 'Viewer 1', 'Viewer 0']);
    },
  );

  it.skipIf(Boolean(process.env.CATALOG_TEST_DIRECT))('creates the cart on first use and keeps it', async () => {
    const bob = await registerUser(t.client);
    const a = await bob.client.data<any>(`{ viewer { cart { id totalQuantity lines { id } } } }`);
    const b = await bob.client.data<any>(`{ viewer { cart { id } } }`);
    expect(a.viewer.cart).toEqual({ id: expect.any(String), totalQuantity: 0, lines: [] });
    expect(b.viewer.cart.id).toBe(a.viewer.cart.id);
  });
});
