import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onTheBus, startTestStack, type TestStack } from '../helpers/stack.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { api, CATEGORY, CREATE_PRODUCT, createProduct, openStore, productInput } from '../helpers/catalog.ts';

const OPEN_STORE = `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id name description } userErrors { field code message } } }`;
const UPDATE_VARIANT = `mutation($id: ID!, $input: UpdateVariantInput!) {
  updateVariant(variantId: $id, input: $input) {
    product { id priceRange { min { amount } max { amount } } variants { id price { amount } stock } }
    userErrors { field code message } } }`;

describe('stores', () => {
  let t: TestStack;
  let alice: Person;
  beforeAll(async () => {
    t = await startTestStack();
    alice = await mintPerson(t, { via: api(t) });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('lets a signed-in person open a store and become its seller', async () => {
    const d = await alice.client.data<any>(OPEN_STORE, { input: { name: '  Alice   Antiques ', description: 'Old things.' } });
    expect(d.openStore.userErrors).toEqual([]);
    expect(d.openStore.store).toMatchObject({ name: 'Alice Antiques', description: 'Old things.' });
    const read = await api(t).data<any>(`query($id: ID!) { store(id: $id) { name followerCount products { totalCount } } }`, { id: d.openStore.store.id });
    expect(read.store).toEqual({ name: 'Alice Antiques', followerCount: 0, products: { totalCount: 0 } });
  });

  it('refuses a guest with UNAUTHENTICATED', async () => {
    const r = await api(t).request(OPEN_STORE, { input: { name: 'Guest Goods' } });
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps store names unique, ignoring case', async () => {
    await openStore(alice.client, 'Unique Name Shop');
    const bob = await mintPerson(t, { via: api(t) });
    const d = await bob.client.data<any>(OPEN_STORE, { input: { name: 'UNIQUE name shop' } });
    expect(d.openStore.store).toBeNull();
    expect(d.openStore.userErrors).toEqual([{ field: ['input', 'name'], code: 'STORE_NAME_TAKEN', message: expect.any(String) }]);
  });

  it('refuses names shorter than 2 or longer than 80 characters', async () => {
    // (a NUL character is refused before the catalog runs at all: test/security/input.test.ts)
    for (const name of ['A', ' ', 'x'.repeat(81), 'bad\u0001name']) {
      const d = await alice.client.data<any>(OPEN_STORE, { input: { name } });
      expect(d.openStore.userErrors[0]).toMatchObject({ field: ['input', 'name'], code: 'INVALID_INPUT' });
    }
  });

  it('answers null for a store id that does not exist', async () => {
    for (const id of ['nope', '00000000-0000-4000-8000-000000000000']) {
      expect((await api(t).data<any>(`query($id: ID!) { store(id: $id) { id } }`, { id })).store).toBeNull();
    }
  });
});

describe('products and variants', () => {
  let t: TestStack;
  let owner: Person;
  let stranger: Person;
  let store: { id: string };
  beforeAll(async () => {
    t = await startTestStack();
    owner = await mintPerson(t, { via: api(t) });
    stranger = await mintPerson(t, { via: api(t) });
    store = await openStore(owner.client, 'Owner Outfitters');
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('lets the owner add a product with variants, options, prices and stock', async () => {
    const p = await createProduct(owner.client, store.id, {
      title: 'Canvas Tote Bag',
      description: 'A sturdy canvas bag.',
      categoryId: CATEGORY.womensClothing,
      images: ['https://img.example.com/tote.jpg'],
      variants: [
        {
          sku: 'TOTE-RED-S',
          options: [
            { name: 'Color', value: 'Red' },
            { name: 'Size', value: 'S' },
          ],
          price: '12.5',
          stock: 3,
        },
        {
          sku: 'TOTE-RED-L',
          options: [
            { name: 'Color', value: 'Red' },
            { name: 'Size', value: 'L' },
          ],
          price: '14.00',
          stock: 0,
        },
      ],
    });
    const read = await api(t).data<any>(
      `query($id: ID!) { product(id: $id) { title images category { name parent { name } } store { name }
        priceRange { min { amount currencyCode } max { amount } } variants { sku options { name value } price { amount } stock product { id } } } }`,
      { id: p.id },
    );
    expect(read.product).toEqual({
      title: 'Canvas Tote Bag',
      images: ['https://img.example.com/tote.jpg'],
      category: { name: "Women's Clothing", parent: { name: 'Fashion' } },
      store: { name: 'Owner Outfitters' },
      priceRange: { min: { amount: '12.50', currencyCode: 'USD' }, max: { amount: '14.00' } },
      variants: [
        {
          sku: 'TOTE-RED-S',
          options: [
            { name: 'Color', value: 'Red' },
            { name: 'Size', value: 'S' },
          ],
          price: { amount: '12.50' },
          stock: 3,
          product: { id: p.id },
        },
        {
          sku: 'TOTE-RED-L',
          options: [
            { name: 'Color', value: 'Red' },
            { name: 'Size', value: 'L' },
          ],
          price: { amount: '14.00' },
          stock: 0,
          product: { id: p.id },
        },
      ],
    });
  });

  it('answers FORBIDDEN when someone else adds a product to the store, UNAUTHENTICATED for a guest', async () => {
    const r = await stranger.client.request(CREATE_PRODUCT, { input: productInput(store.id) });
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const g = await api(t).request(CREATE_PRODUCT, { input: productInput(store.id) });
    expect(g.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await api(t).data<any>(`query($id: ID!) { store(id: $id) { products { totalCount } } }`, { id: store.id })).store.products.totalCount).toBe(1);
  });

  const bad: [string, Parameters<typeof productInput>[1], string, string[]][] = [
    ['a negative price', { variants: [{ price: '-1.00' }] }, 'INVALID_INPUT', ['input', 'variants', '0', 'price']],
    ['a zero price', { variants: [{ price: '0.00' }] }, 'INVALID_INPUT', ['input', 'variants', '0', 'price']],
    ['a huge price', { variants: [{ price: '99999999999' }] }, 'INVALID_INPUT', ['input', 'variants', '0', 'price']],
    ['a price that is not a decimal', { variants: [{ price: '1e3' }] }, 'INVALID_INPUT', ['input', 'variants', '0', 'price']],
    ['a price with three decimals', { variants: [{ price: '1.999' }] }, 'INVALID_INPUT', ['input', 'variants', '0', 'price']],
    ['negative stock', { variants: [{ stock: -1 }] }, 'INVALID_INPUT', ['input', 'variants', '0', 'stock']],
    ['huge stock', { variants: [{ stock: 2_000_000 }] }, 'INVALID_INPUT', ['input', 'variants', '0', 'stock']],
    ['no variants', { variants: [] }, 'INVALID_INPUT', ['input', 'variants']],
    [
      '51 variants',
      { variants: Array.from({ length: 51 }, (_, i) => ({ options: [{ name: 'N', value: String(i) }] })) },
      'INVALID_INPUT',
      ['input', 'variants'],
    ],
    [
      'a SKU twice in the product',
      { variants: [{ sku: 'SAME-1' }, { sku: 'SAME-1', options: [{ name: 'Color', value: 'x' }] }] },
      'DUPLICATE_SKU',
      ['input', 'variants', '1', 'sku'],
    ],
    ['an image that is not http(s)', { images: ['ftp://example.com/a.jpg'] }, 'INVALID_INPUT', ['input', 'images', '0']],
    ['a javascript: image', { images: ['javascript:alert(1)'] }, 'INVALID_INPUT', ['input', 'images', '0']],
    ['an unknown category', { categoryId: '00000000-0000-4000-8000-000000000000' }, 'NOT_FOUND', ['input', 'categoryId']],
    ['a category id that is not a UUID', { categoryId: 'lamps' }, 'NOT_FOUND', ['input', 'categoryId']],
    ['an empty title', { title: '   ' }, 'INVALID_INPUT', ['input', 'title']],
  ];
  for (const [what, spec, code, field] of bad) {
    it(`refuses ${what} with ${code} and creates nothing`, async () => {
      const d = await owner.client.data<any>(CREATE_PRODUCT, { input: productInput(store.id, spec) });
      expect(d.createProduct.product).toBeNull();
      expect(d.createProduct.userErrors).toEqual([{ field, code, message: expect.any(String) }]);
    });
  }

  it('refuses a SKU already used in the same store, but not one used in another store', async () => {
    await createProduct(owner.client, store.id, { variants: [{ sku: 'SHARED-SKU' }] });
    const d = await owner.client.data<any>(CREATE_PRODUCT, { input: productInput(store.id, { variants: [{ sku: 'SHARED-SKU' }] }) });
    expect(d.createProduct.userErrors[0]).toMatchObject({ code: 'DUPLICATE_SKU', field: ['input', 'variants', '0', 'sku'] });
    const other = await openStore(stranger.client);
    await createProduct(stranger.client, other.id, { variants: [{ sku: 'SHARED-SKU' }] });
  });

  it('refuses an unknown store with NOT_FOUND', async () => {
    const d = await owner.client.data<any>(CREATE_PRODUCT, { input: productInput('00000000-0000-4000-8000-000000000000') });
    expect(d.createProduct.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'storeId'] });
  });

  it('refuses quantities beyond a 32-bit integer as a GraphQL validation error', async () => {
    const r = await owner.client.request(CREATE_PRODUCT, { input: productInput(store.id, { variants: [{ stock: 2 ** 40 }] }) });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("lets the owner change a variant's price and stock, and announces both in events", async () => {
    const p = await createProduct(owner.client, store.id, {
      title: 'Price Watch Lamp',
      variants: [
        { price: '20.00', stock: 5 },
        { price: '30.00', stock: 5, options: [{ name: 'Color', value: 'Blue' }] },
      ],
    });
    const from = t.stack.bus.position;
    const d = await owner.client.data<any>(UPDATE_VARIANT, { id: p.variants[0].id, input: { price: '15.00', stock: 7 } });
    expect(d.updateVariant.userErrors).toEqual([]);
    expect(d.updateVariant.product.priceRange).toEqual({ min: { amount: '15.00' }, max: { amount: '30.00' } });
    expect(d.updateVariant.product.variants[0]).toMatchObject({ price: { amount: '15.00' }, stock: 7 });
    await onTheBus(t, 'catalog'); // on JetStream the relay publishes it a little after the commit
    const events = await t.stack.bus.readAfter(from, { topics: ['product.price_changed', 'product.stock_changed'] });
    expect(events.map((e) => [e.topic, e.payload])).toEqual([
      [
        'product.price_changed',
        {
          productId: p.id,
          variantId: p.variants[0].id,
          storeId: store.id,
          title: 'Price Watch Lamp',
          oldPrice: 2000,
          newPrice: 1500,
          oldMinPrice: 2000,
          newMinPrice: 1500,
        },
      ],
      ['product.stock_changed', { productId: p.id, variantId: p.variants[0].id, stock: 7 }],
    ]);
  });

  it('answers FORBIDDEN when someone else changes a variant, UNAUTHENTICATED for a guest, and changes nothing', async () => {
    const p = await createProduct(owner.client, store.id, { variants: [{ price: '9.00', stock: 2 }] });
    const r = await stranger.client.request(UPDATE_VARIANT, { id: p.variants[0].id, input: { price: '0.01' } });
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const g = await api(t).request(UPDATE_VARIANT, { id: p.variants[0].id, input: { stock: 0 } });
    expect(g.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const read = await api(t).data<any>(`query($id: ID!) { product(id: $id) { variants { price { amount } stock } } }`, { id: p.id });
    expect(read.product.variants).toEqual([{ price: { amount: '9.00' }, stock: 2 }]);
  });

  it('refuses a bad price or stock, or an unknown variant, in userErrors', async () => {
    const p = await createProduct(owner.client, store.id);
    for (const [input, field] of [
      [{ price: '-5' }, ['input', 'price']],
      [{ price: 'free' }, ['input', 'price']],
      [{ stock: -3 }, ['input', 'stock']],
    ] as const) {
      const d = await owner.client.data<any>(UPDATE_VARIANT, { id: p.variants[0].id, input });
      expect(d.updateVariant.userErrors).toEqual([{ field, code: 'INVALID_INPUT', message: expect.any(String) }]);
    }
    const unknown = await owner.client.data<any>(UPDATE_VARIANT, { id: 'not-an-id', input: { stock: 1 } });
    expect(unknown.updateVariant.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['variantId'] });
  });

  it('answers null for a product id that does not exist', async () => {
    for (const id of ['1; drop table', '00000000-0000-4000-8000-000000000000']) {
      expect((await api(t).data<any>(`query($id: ID!) { product(id: $id) { id } }`, { id })).product).toBeNull();
    }
  });

  it("lists a store's products newest first with cursors", async () => {
    const s = await openStore(owner.client);
    const made = [];
    for (let i = 0; i < 5; i++) {
      t.clock.advance(1);
      made.push((await createProduct(owner.client, s.id, { title: `Item ${i}` })).id);
    }
    const Q = `query($id: ID!, $after: String) { store(id: $id) { products(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const d: any = await api(t).data<any>(Q, { id: s.id, after });
      expect(d.store.products.totalCount).toBe(5);
      seen.push(...d.store.products.edges.map((e: any) => e.node.id));
      if (!d.store.products.pageInfo.hasNextPage) break;
      after = d.store.products.pageInfo.endCursor;
    }
    expect(seen).toEqual([...made].reverse());
  });
});
