/**
 * Seller tools through the gateway: changing a store and its products, adding and
 * removing variants, archiving, the store's order counts and dashboard, and who may
 * do each (every operation refuses another seller, a buyer and a guest). On
 * PostgreSQL also: checkouts racing an archive (each is placed whole or refused),
 * two removals of a product's last two variants (one wins).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, registerBuyer, type Buyer, type Person } from '../helpers/accounts.ts';
import { CATEGORY, createProduct, openStore } from '../helpers/catalog.ts';
import { M, addToCart, eventually, pay, placedOrder, stockOf } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const ERR = 'userErrors { field code message }';
const PRODUCT = `id title description images archived category { id } priceRange { min { amount } max { amount } } variants { id sku price { amount } stock }`;
const Q = {
  updateStore: `mutation($id: ID!, $input: UpdateStoreInput!) { updateStore(storeId: $id, input: $input) { store { id name description logoUrl } ${ERR} } }`,
  updateProduct: `mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(productId: $id, input: $input) { product { ${PRODUCT} } ${ERR} } }`,
  addVariant: `mutation($id: ID!, $input: VariantInput!) { addVariant(productId: $id, input: $input) { product { ${PRODUCT} } ${ERR} } }`,
  removeVariant: `mutation($id: ID!) { removeVariant(variantId: $id) { product { ${PRODUCT} } ${ERR} } }`,
  archive: `mutation($id: ID!) { archiveProduct(productId: $id) { product { ${PRODUCT} } ${ERR} } }`,
  unarchive: `mutation($id: ID!) { unarchiveProduct(productId: $id) { product { ${PRODUCT} } ${ERR} } }`,
  store: `query($id: ID!) { store(id: $id) { id name description logoUrl products { totalCount edges { node { id } } } } }`,
  archived: `query($id: ID!) { store(id: $id) { archivedProducts { totalCount edges { node { id archived } } } } }`,
  orders: `query($id: ID!) { store(id: $id) { orders { totalCount edges { node { id } } } } }`,
  counts: `query($id: ID!) { store(id: $id) { orderCounts { paymentRequired shipmentRequired unconfirmedDelivery feedbackRequired disputed all } } }`,
  stats: `query($id: ID!) { store(id: $id) { stats { ordersByStatus { status count } revenue { amount currencyCode } averageRating followers } } }`,
  product: `query($id: ID!) { product(id: $id) { ${PRODUCT} } }`,
  search: `query($q: String, $store: ID) { searchProducts(query: $q, storeId: $store) { totalCount edges { node { id } } } }`,
  cart: `{ viewer { cart { subtotal { amount } lines { id available quantity variant { id } product { id archived } } } } }`,
};

const variant = (sku: string, color: string, price = '10.00', stock = 10) => ({ sku, options: [{ name: 'Color', value: color }], price, stock });
const sku = () => `SKU-${crypto.randomUUID().slice(0, 8)}`;

let t: TestStack;
beforeAll(async () => {
  // checkouts make several internal calls; on a loaded machine they can outlast the 5 s default
  t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
}, 300_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

describe('updateStore', () => {
  it("changes the store's name, description and logo, and a null description or logo removes it", async () => {
    const seller = await mintPerson(t);
    const store = await openStore(seller.client, `Plain ${sku()}`, 'Old text');
    const d = await seller.client.data<any>(Q.updateStore, {
      id: store.id,
      input: { name: '  Brand   New Name ' + store.id.slice(0, 6), description: 'New text', logoUrl: 'https://img.example.com/logo.png' },
    });
    expect(d.updateStore.userErrors).toEqual([]);
    expect(d.updateStore.store).toMatchObject({
      name: 'Brand New Name ' + store.id.slice(0, 6),
      description: 'New text',
      logoUrl: 'https://img.example.com/logo.png',
    });
    const cleared = await seller.client.data<any>(Q.updateStore, { id: store.id, input: { description: null, logoUrl: null } });
    expect(cleared.updateStore.store).toMatchObject({ name: 'Brand New Name ' + store.id.slice(0, 6), description: null, logoUrl: null });
  });

  it("refuses a name that looks like another store's with STORE_NAME_TAKEN, and allows a look-alike of its own", async () => {
    const [a, b] = [await mintPerson(t), await mintPerson(t)];
    const taken = `Lookalike ${crypto.randomUUID().slice(0, 6)}`;
    await openStore(a.client, taken);
    const mine = await openStore(b.client, `Mine ${sku()}`);
    // Cyrillic "о" for the Latin "o", and upper case: the same name to the eye
    const d = await b.client.data<any>(Q.updateStore, { id: mine.id, input: { name: taken.replace('o', '\u043e').toUpperCase() } });
    expect(d.updateStore).toEqual({ store: null, userErrors: [{ field: ['input', 'name'], code: 'STORE_NAME_TAKEN', message: expect.any(String) }] });
    expect((await t.client.data<any>(Q.store, { id: mine.id })).store.name).toBe(mine.name);
    const own = await b.client.data<any>(Q.updateStore, { id: mine.id, input: { name: mine.name.toUpperCase() } });
    expect(own.updateStore).toMatchObject({ store: { name: mine.name.toUpperCase() }, userErrors: [] });
  });

  it('refuses a logo that is not an http(s) URL, and a bad name, changing nothing', async () => {
    const seller = await mintPerson(t);
    const store = await openStore(seller.client, `Logo ${sku()}`, 'Kept');
    for (const [input, field] of [
      [{ logoUrl: 'javascript:alert(1)' }, 'logoUrl'],
      [{ logoUrl: 'ftp://example.com/logo.png' }, 'logoUrl'],
      [{ logoUrl: `https://example.com/${'x'.repeat(2100)}` }, 'logoUrl'],
      [{ name: 'x' }, 'name'],
      [{ name: '\u200b\u200bA\u200b' }, 'name'],
      [{ description: 'd'.repeat(2001) }, 'description'],
    ] as const) {
      const d = await seller.client.data<any>(Q.updateStore, { id: store.id, input });
      expect(d.updateStore.userErrors).toEqual([{ field: ['input', field], code: 'INVALID_INPUT', message: expect.any(String) }]);
    }
    expect((await t.client.data<any>(Q.store, { id: store.id })).store).toMatchObject({ name: store.name, description: 'Kept', logoUrl: null });
  });
});

describe('updateProduct, addVariant, removeVariant', () => {
  let seller: Person;
  let storeId: string;
  beforeAll(async () => {
    seller = await mintPerson(t);
    storeId = (await openStore(seller.client, `Products ${sku()}`)).id;
  }, 120_000);

  it('changes title, description, category and images; search finds the new title and not the old one', async () => {
    const p = await createProduct(seller.client, storeId, { title: 'Walnut chopping board' });
    const d = await seller.client.data<any>(Q.updateProduct, {
      id: p.id,
      input: { title: 'Bamboo serving tray', description: 'Light and strong.', categoryId: CATEGORY.lighting, images: ['https://img.example.com/a.jpg'] },
    });
    expect(d.updateProduct.userErrors).toEqual([]);
    expect(d.updateProduct.product).toMatchObject({
      title: 'Bamboo serving tray',
      description: 'Light and strong.',
      category: { id: CATEGORY.lighting },
      images: ['https://img.example.com/a.jpg'],
    });
    const found = await t.client.data<any>(Q.search, { q: 'bamboo tray', store: storeId });
    expect(found.searchProducts.edges.map((e: any) => e.node.id)).toEqual([p.id]);
    expect((await t.client.data<any>(Q.search, { q: 'walnut', store: storeId })).searchProducts.totalCount).toBe(0);
  });

  it('refuses bad input and an unknown category in userErrors, changing nothing', async () => {
    const p = await createProduct(seller.client, storeId, { title: 'Stays the same' });
    for (const [input, field, code] of [
      [{ title: '' }, ['input', 'title'], 'INVALID_INPUT'],
      [{ title: 't'.repeat(201) }, ['input', 'title'], 'INVALID_INPUT'],
      [{ description: '   ' }, ['input', 'description'], 'INVALID_INPUT'],
      [{ images: ['file:///etc/passwd'] }, ['input', 'images', '0'], 'INVALID_INPUT'],
      [{ images: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}.jpg`) }, ['input', 'images'], 'INVALID_INPUT'],
      [{ categoryId: crypto.randomUUID() }, ['input', 'categoryId'], 'NOT_FOUND'],
    ] as const) {
      const d = await seller.client.data<any>(Q.updateProduct, { id: p.id, input });
      expect(d.updateProduct).toEqual({ product: null, userErrors: [{ field, code, message: expect.any(String) }] });
    }
    expect((await t.client.data<any>(Q.product, { id: p.id })).product.title).toBe('Stays the same');
    const unknown = await seller.client.data<any>(Q.updateProduct, { id: 'not-an-id', input: { title: 'x' } });
    expect(unknown.updateProduct.userErrors).toEqual([{ field: ['productId'], code: 'NOT_FOUND', message: expect.any(String) }]);
  });

  it('adds a variant (the price range follows), refusing a used SKU and options the product already has', async () => {
    const p = await createProduct(seller.client, storeId, { variants: [{ sku: sku(), options: [{ name: 'Color', value: 'Red' }], price: '10.00' }] });
    const added = await seller.client.data<any>(Q.addVariant, { id: p.id, input: variant(sku(), 'Green', '4.50', 3) });
    expect(added.addVariant.userErrors).toEqual([]);
    expect(added.addVariant.product.variants).toHaveLength(2);
    expect(added.addVariant.product.priceRange).toEqual({ min: { amount: '4.50' }, max: { amount: '10.00' } });
    const dupSku = await seller.client.data<any>(Q.addVariant, { id: p.id, input: variant(p.variants[0].sku, 'Blue') });
    expect(dupSku.addVariant.userErrors).toEqual([{ field: ['input', 'sku'], code: 'DUPLICATE_SKU', message: expect.any(String) }]);
    const dupOptions = await seller.client.data<any>(Q.addVariant, { id: p.id, input: variant(sku(), 'GREEN') });
    expect(dupOptions.addVariant.userErrors).toEqual([{ field: ['input', 'options'], code: 'INVALID_INPUT', message: expect.any(String) }]);
    const badPrice = await seller.client.data<any>(Q.addVariant, { id: p.id, input: variant(sku(), 'Blue', '0') });
    expect(badPrice.addVariant.userErrors).toEqual([{ field: ['input', 'price'], code: 'INVALID_INPUT', message: expect.any(String) }]);
    expect((await t.client.data<any>(Q.product, { id: p.id })).product.variants).toHaveLength(2);
  });

  it('removes a variant: it leaves the product and its price range, carts show it unavailable, its SKU is free again; the last one stays (LAST_VARIANT)', async () => {
    const cheap = sku();
    const p = await createProduct(seller.client, storeId, {
      variants: [
        { sku: cheap, options: [{ name: 'Color', value: 'Red' }], price: '2.00' },
        { sku: sku(), options: [{ name: 'Color', value: 'Blue' }], price: '8.00' },
      ],
    });
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, p.variants[0].id, 2);
    await addToCart(buyer.client, p.variants[1].id, 1);
    const d = await seller.client.data<any>(Q.removeVariant, { id: p.variants[0].id });
    expect(d.removeVariant.userErrors).toEqual([]);
    expect(d.removeVariant.product.variants.map((v: any) => v.id)).toEqual([p.variants[1].id]);
    expect(d.removeVariant.product.priceRange).toEqual({ min: { amount: '8.00' }, max: { amount: '8.00' } });

    const cart = (await buyer.client.data<any>(Q.cart)).viewer.cart;
    const line = (id: string) => cart.lines.find((l: any) => l.variant.id === id);
    expect(line(p.variants[0].id)).toMatchObject({ available: false, quantity: 2 });
    expect(line(p.variants[1].id)).toMatchObject({ available: true });
    expect(cart.subtotal).toEqual({ amount: '8.00' });
    const again = await buyer.client.data<any>(`mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { ${ERR} } }`, { v: p.variants[0].id });
    expect(again.addToCart.userErrors).toEqual([{ field: ['variantId'], code: 'PRODUCT_UNAVAILABLE', message: expect.any(String) }]);

    const twice = await seller.client.data<any>(Q.removeVariant, { id: p.variants[0].id });
    expect(twice.removeVariant.userErrors).toEqual([{ field: ['variantId'], code: 'NOT_FOUND', message: expect.any(String) }]);
    const last = await seller.client.data<any>(Q.removeVariant, { id: p.variants[1].id });
    expect(last.removeVariant.userErrors).toEqual([{ field: ['variantId'], code: 'LAST_VARIANT', message: expect.any(String) }]);
    const reused = await seller.client.data<any>(Q.addVariant, { id: p.id, input: variant(cheap, 'Red', '3.00') });
    expect(reused.addVariant.userErrors).toEqual([]);
  });
});

describe('archiveProduct', () => {
  let seller: Person;
  let storeId: string;
  let buyer: Buyer;
  beforeAll(async () => {
    seller = await mintPerson(t);
    storeId = (await openStore(seller.client, `Archive ${sku()}`)).id;
    buyer = await registerBuyer(t.client);
  }, 120_000);

  const checkout = (b: Buyer, input: Record<string, unknown> = {}) =>
    b.client.data<any>(M.checkout, { input: { shippingAddressId: b.addressId, idempotencyKey: crypto.randomUUID(), ...input } }).then((d) => d.checkout);

  it('takes the product out of search and the store page, shows it to its owner among archived products, and keeps its page', async () => {
    const p = await createProduct(seller.client, storeId, { title: 'Quartz hourglass timer' });
    const d = await seller.client.data<any>(Q.archive, { id: p.id });
    expect(d.archiveProduct).toMatchObject({ product: { id: p.id, archived: true }, userErrors: [] });
    expect((await t.client.data<any>(Q.search, { q: 'quartz hourglass' })).searchProducts.totalCount).toBe(0);
    expect((await t.client.data<any>(Q.store, { id: storeId })).store.products.edges.map((e: any) => e.node.id)).not.toContain(p.id);
    expect((await seller.client.data<any>(Q.archived, { id: storeId })).store.archivedProducts.edges).toContainEqual({ node: { id: p.id, archived: true } });
    expect((await t.client.data<any>(Q.product, { id: p.id })).product).toMatchObject({ id: p.id, archived: true });
    // archiving again changes nothing; unarchiving brings it back
    expect((await seller.client.data<any>(Q.archive, { id: p.id })).archiveProduct.userErrors).toEqual([]);
    expect((await seller.client.data<any>(Q.unarchive, { id: p.id })).unarchiveProduct.product.archived).toBe(false);
    expect((await t.client.data<any>(Q.search, { q: 'quartz hourglass' })).searchProducts.edges).toEqual([{ node: { id: p.id } }]);
  });

  it('makes the product unbuyable: carts show it unavailable, adding it and checking it out are refused, a placed order keeps its snapshot', async () => {
    const p = await createProduct(seller.client, storeId, { title: 'Copper kettle', variants: [{ price: '30.00', stock: 5 }] });
    await addToCart(buyer.client, p.variants[0].id, 1);
    const placed = await checkout(buyer);
    expect(placed.userErrors).toEqual([]);
    const orderId = placed.orders[0].id;
    // the bought line leaves the cart just after the checkout
    await eventually(async () => expect((await buyer.client.data<any>(Q.cart)).viewer.cart.lines).toEqual([]));

    await addToCart(buyer.client, p.variants[0].id, 2);
    await seller.client.data<any>(Q.archive, { id: p.id });
    const cart = (await buyer.client.data<any>(Q.cart)).viewer.cart;
    expect(cart.lines).toEqual([expect.objectContaining({ available: false, quantity: 2, product: { id: p.id, archived: true } })]);
    expect(cart.subtotal).toEqual({ amount: '0.00' });
    const refused = await checkout(buyer);
    expect(refused).toEqual({
      orders: [],
      userErrors: [{ field: ['input', 'lineIds'], code: 'PRODUCT_UNAVAILABLE', message: expect.stringContaining('Copper kettle') }],
    });
    const add = await buyer.client.data<any>(`mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { ${ERR} } }`, { v: p.variants[0].id });
    expect(add.addToCart.userErrors).toEqual([{ field: ['variantId'], code: 'PRODUCT_UNAVAILABLE', message: expect.any(String) }]);
    expect(await stockOf(t, p.id)).toBe(4);

    const order = await buyer.client.data<any>(`query($id: ID!) { order(id: $id) { status lines { title unitPrice { amount } product { id archived } } } }`, {
      id: orderId,
    });
    expect(order.order).toEqual({
      status: 'PAYMENT_REQUIRED',
      lines: [{ title: 'Copper kettle', unitPrice: { amount: '30.00' }, product: { id: p.id, archived: true } }],
    });
    // once unarchived the cart line can be bought again
    await seller.client.data<any>(Q.unarchive, { id: p.id });
    expect((await checkout(buyer)).userErrors).toEqual([]);
  });

  it.runIf(onPostgres)('lets checkouts racing an archive either place their order whole or be refused, never half (PostgreSQL)', async () => {
    const p = await createProduct(seller.client, storeId, { title: 'Racing lamp', variants: [{ price: '5.00', stock: 100 }] });
    const other = await mintPerson(t);
    const otherStore = (await openStore(other.client, `Other ${sku()}`)).id;
    const q2 = await createProduct(other.client, otherStore, { title: 'Second store item', variants: [{ price: '1.00', stock: 100 }] });
    const buyers = await Promise.all(Array.from({ length: 6 }, () => registerBuyer(t.client)));
    for (const b of buyers) {
      await addToCart(b.client, p.variants[0].id, 1);
      await addToCart(b.client, q2.variants[0].id, 1);
    }
    const [results] = await Promise.all([Promise.all(buyers.map((b) => checkout(b))), seller.client.data<any>(Q.archive, { id: p.id })]);
    const placed = results.filter((r) => r.userErrors.length === 0);
    for (const r of results) {
      if (r.userErrors.length) {
        expect(r.orders).toEqual([]);
        expect(r.userErrors.map((e: any) => e.code)).toEqual(['PRODUCT_UNAVAILABLE']);
      } else {
        expect(r.orders).toHaveLength(2);
      }
    }
    // every placed checkout took one unit of each store; every refused one took (in the end) nothing of either
    await eventually(async () => {
      expect(await stockOf(t, p.id)).toBe(100 - placed.length);
      expect(await stockOf(t, q2.id)).toBe(100 - placed.length);
    }, 20_000);
  });
});

describe("the store's orders, counts and dashboard", () => {
  it('counts the store orders per status and sums the revenue of paid ones; followers and rating come along', async () => {
    const seller = await mintPerson(t);
    const storeId = (await openStore(seller.client, `Stats ${sku()}`)).id;
    const buyer = await mintPerson(t);
    const fan = await mintPerson(t);
    await fan.client.data<any>(`mutation($id: ID!) { followStore(storeId: $id) { ${ERR} } }`, { id: storeId });
    const seller2 = { userId: seller.userId };
    const a = await placedOrder(t, buyer, seller2, { storeId, total: 2500 });
    await placedOrder(t, buyer, seller2, { storeId, total: 1000 });
    await placedOrder(t, buyer, seller2, { total: 999 }); // another store's
    const paid = await pay(buyer, [a.id]);
    expect(paid.userErrors).toEqual([]);

    const counts = await seller.client.data<any>(Q.counts, { id: storeId });
    expect(counts.store.orderCounts).toEqual({ paymentRequired: 1, shipmentRequired: 1, unconfirmedDelivery: 0, feedbackRequired: 0, disputed: 0, all: 2 });
    const list = await seller.client.data<any>(Q.orders, { id: storeId });
    expect(list.store.orders.totalCount).toBe(2);
    const stats = (await seller.client.data<any>(Q.stats, { id: storeId })).store.stats;
    expect(stats.revenue).toEqual({ amount: '25.00', currencyCode: 'USD' });
    expect(stats.followers).toBe(1);
    expect(stats.averageRating).toBeNull();
    expect(stats.ordersByStatus).toHaveLength(8);
    expect(stats.ordersByStatus.filter((s: any) => s.count > 0)).toEqual([
      { status: 'PAYMENT_REQUIRED', count: 1 },
      { status: 'SHIPMENT_REQUIRED', count: 1 },
    ]);
  });
});

describe('authorization: every seller operation refuses another seller, a buyer and a guest', () => {
  let owner: Person;
  let storeId: string;
  let product: Awaited<ReturnType<typeof createProduct>>;
  beforeAll(async () => {
    owner = await mintPerson(t);
    storeId = (await openStore(owner.client, `Guarded ${sku()}`, 'Guarded text')).id;
    product = await createProduct(owner.client, storeId, {
      title: 'Guarded product',
      variants: [
        { sku: sku(), options: [{ name: 'Color', value: 'Red' }] },
        { sku: sku(), options: [{ name: 'Color', value: 'Blue' }] },
      ],
    });
  }, 120_000);

  const operations = () =>
    [
      ['updateStore', Q.updateStore, { id: storeId, input: { name: `Stolen ${sku()}`, description: 'x' } }],
      ['updateProduct', Q.updateProduct, { id: product.id, input: { title: 'Stolen' } }],
      ['addVariant', Q.addVariant, { id: product.id, input: variant(sku(), 'Black') }],
      ['removeVariant', Q.removeVariant, { id: product.variants[0].id }],
      ['archiveProduct', Q.archive, { id: product.id }],
      ['unarchiveProduct', Q.unarchive, { id: product.id }],
      ['store.orders', Q.orders, { id: storeId }],
      ['store.orderCounts', Q.counts, { id: storeId }],
      ['store.stats', Q.stats, { id: storeId }],
      ['store.archivedProducts', Q.archived, { id: storeId }],
    ] as const;

  it('answers FORBIDDEN to another seller and to a buyer, UNAUTHENTICATED to a guest, and changes nothing', async () => {
    const otherSeller = await mintPerson(t);
    await openStore(otherSeller.client, `Other seller ${sku()}`);
    const buyer = await mintPerson(t);
    for (const [who, client, code] of [
      ['another seller', otherSeller.client, 'FORBIDDEN'],
      ['a buyer', buyer.client, 'FORBIDDEN'],
      ['a guest', t.client, 'UNAUTHENTICATED'],
    ] as const) {
      for (const [name, query, vars] of operations()) {
        const r = await client.request<any>(query, vars);
        expect({ who, name, code: r.errors?.[0]?.extensions?.code }).toEqual({ who, name, code });
      }
    }
    const store = (await t.client.data<any>(Q.store, { id: storeId })).store;
    expect(store).toMatchObject({ name: expect.stringMatching(/^Guarded /), description: 'Guarded text' });
    const p = (await t.client.data<any>(Q.product, { id: product.id })).product;
    expect(p).toMatchObject({ title: 'Guarded product', archived: false });
    expect(p.variants.map((v: any) => v.id)).toEqual(product.variants.map((v) => v.id));
  });

  it('lets the owner do each of them', async () => {
    for (const [name, query, vars] of operations()) {
      const r = await owner.client.request<any>(query, vars);
      expect({ name, errors: r.errors ?? [] }).toEqual({ name, errors: [] });
      const payload = Object.values(r.data ?? {})[0] as any;
      if (payload && 'userErrors' in payload) expect({ name, userErrors: payload.userErrors }).toEqual({ name, userErrors: [] });
    }
  });
});

describe.runIf(onPostgres)('concurrency (PostgreSQL)', () => {
  it('renames exactly one of five stores when all are renamed to look-alike names at once', async () => {
    const sellers = await Promise.all(Array.from({ length: 5 }, () => mintPerson(t)));
    const stores = await Promise.all(sellers.map((s) => openStore(s.client, `Before ${sku()}`)));
    const base = `Renamed ${crypto.randomUUID().slice(0, 6)}`;
    const looks = [base, base.toUpperCase(), base.replace('e', '\u0435'), `${base}\u200b`, base.replace('R', '\uff32')];
    const results = await Promise.all(sellers.map((s, i) => s.client.data<any>(Q.updateStore, { id: stores[i].id, input: { name: looks[i] } })));
    const codes = results.map((r) => r.updateStore.userErrors.map((e: any) => e.code).join() || 'ok');
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c === 'STORE_NAME_TAKEN')).toHaveLength(4);
  });

  it('removes exactly one of the last two variants when both are removed at once', async () => {
    const seller = await mintPerson(t);
    const storeId = (await openStore(seller.client, `Race ${sku()}`)).id;
    const p = await createProduct(seller.client, storeId, {
      variants: [
        { sku: sku(), options: [{ name: 'Color', value: 'Red' }] },
        { sku: sku(), options: [{ name: 'Color', value: 'Blue' }] },
      ],
    });
    const results = await Promise.all(p.variants.map((v) => seller.client.data<any>(Q.removeVariant, { id: v.id })));
    expect(results.map((r) => r.removeVariant.userErrors.map((e: any) => e.code)).sort()).toEqual([[], ['LAST_VARIANT']]);
    expect((await t.client.data<any>(Q.product, { id: p.id })).product.variants).toHaveLength(1);
  });
});
