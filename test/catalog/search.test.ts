import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { mintPerson, registerUser } from '../helpers/accounts.ts';
import { api, CATEGORY, catalogStatements, createProduct, openStore } from '../helpers/catalog.ts';

const SEARCH = `query($query: String, $categoryId: ID, $storeId: ID, $minPrice: String, $maxPrice: String, $sort: ProductSort, $first: Int, $after: String) {
  searchProducts(query: $query, categoryId: $categoryId, storeId: $storeId, minPrice: $minPrice, maxPrice: $maxPrice, sort: $sort, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id title createdAt priceRange { min { amount } max { amount } } } }
  }
}`;

describe('searching products', () => {
  let t: TestStack;
  let lampStore: { id: string };
  let otherStore: { id: string };
  const ids: Record<string, string> = {};

  const search = async (vars: Record<string, unknown>) => (await api(t).data<any>(SEARCH, vars)).searchProducts;
  const titles = (conn: any) => conn.edges.map((e: any) => e.node.title);

  /** Every page of a search, following endCursor, as node ids in order. */
  async function allPages(vars: Record<string, unknown>, first: number): Promise<{ ids: string[]; total: number; pages: number }> {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    let pages = 0;
    for (;;) {
      const page: any = await search({ ...vars, first, after });
      pages++;
      total = page.totalCount;
      seen.push(...page.edges.map((e: any) => e.node.id));
      expect(page.edges.length).toBeLessThanOrEqual(first);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      if (pages > 100) throw new Error('runaway paging');
    }
    return { ids: seen, total, pages };
  }

  beforeAll(async () => {
    t = await startTestStack();
    const seller = await mintPerson(t, { via: api(t) });
    lampStore = await openStore(seller.client, 'Bright Ideas');
    otherStore = await openStore(seller.client, 'Kitchen Corner');
    const make = async (key: string, store: string, spec: Parameters<typeof createProduct>[2]) => {
      ids[key] = (await createProduct(seller.client, store, spec)).id;
    };
    await make('desk', lampStore.id, {
      title: 'Brass Desk Lamp',
      description: 'A warm reading light for the study.',
      categoryId: CATEGORY.lighting,
      variants: [{ price: '40.00' }],
    });
    await make('shadeOnly', lampStore.id, {
      title: 'Linen Shade',
      description: 'A linen shade that fits any table lamp.',
      categoryId: CATEGORY.lighting,
      variants: [{ price: '15.00' }],
    });
    await make('headphones', otherStore.id, {
      title: 'Wireless Headphones',
      description: 'Noise cancelling over-ear headphones.',
      categoryId: CATEGORY.audio,
      variants: [{ price: '5.00' }, { price: '50.00', options: [{ name: 'Color', value: 'Gold' }] }],
    });
    await make('knife', otherStore.id, {
      title: 'Chef Knife',
      description: 'Sharp stainless steel knife for chopping.',
      categoryId: CATEGORY.kitchen,
      variants: [{ price: '30.00' }],
    });
    // many products that match "mug" equally, to page through ties
    for (let i = 0; i < 23; i++) {
      t.clock.advance(i % 3 === 0 ? 0 : 1); // some share a creation time, some do not
      await make(`mug${i}`, otherStore.id, {
        title: `Ceramic Mug ${i}`,
        description: 'A mug for coffee and tea.',
        categoryId: CATEGORY.kitchen,
        variants: [{ price: `${(i % 5) + 1}.${String(i).padStart(2, '0')}` }],
      });
    }
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('finds "lamp" when searching for "lamps" (English stemming)', async () => {
    const r = await search({ query: 'lamps' });
    expect(titles(r)).toContain('Brass Desk Lamp');
  });

  it('ranks a match in the title above a match only in the description', async () => {
    const r = await search({ query: 'lamp' });
    expect(titles(r)).toEqual(['Brass Desk Lamp', 'Linen Shade']);
    expect(r.totalCount).toBe(2);
  });

  it('accepts web-search syntax: quoted phrases, OR and exclusion', async () => {
    expect(titles(await search({ query: '"desk lamp"' }))).toEqual(['Brass Desk Lamp']);
    expect(titles(await search({ query: 'lamp -brass' }))).toEqual(['Linen Shade']);
    expect(titles(await search({ query: 'knife or headphones', sort: 'PRICE_ASC' }))).toEqual(['Wireless Headphones', 'Chef Knife']);
  });

  it('filters by a category including its subcategories', async () => {
    const home = await search({ categoryId: CATEGORY.home, first: 100 });
    expect(home.totalCount).toBe(26); // 23 mugs, a knife, two lighting products
    expect(titles(home)).toContain('Brass Desk Lamp');
    expect(titles(home)).toContain('Chef Knife');
    expect(titles(home)).not.toContain('Wireless Headphones');
    const lighting = await search({ categoryId: CATEGORY.lighting });
    expect(lighting.totalCount).toBe(2);
  });

  it('filters by store', async () => {
    const r = await search({ storeId: lampStore.id });
    expect(titles(r).sort()).toEqual(['Brass Desk Lamp', 'Linen Shade']);
  });

  it("filters by price on any variant's price", async () => {
    // the headphones have variants at 5.00 and 50.00: both ranges find them
    expect(titles(await search({ minPrice: '45', maxPrice: '60' }))).toEqual(['Wireless Headphones']);
    expect(titles(await search({ query: 'headphones', maxPrice: '5.00' }))).toEqual(['Wireless Headphones']);
    expect(titles(await search({ minPrice: '35.5', maxPrice: '45' }))).toEqual(['Brass Desk Lamp']);
    expect((await search({ minPrice: '1000' })).totalCount).toBe(0);
  });

  it('sorts by price both ways, on the lowest variant price, ties broken by id', async () => {
    const asc = await search({ sort: 'PRICE_ASC', first: 100 });
    const mins = asc.edges.map((e: any) => Number(e.node.priceRange.min.amount));
    expect(mins).toEqual([...mins].sort((a, b) => a - b));
    const desc = await search({ sort: 'PRICE_DESC', first: 100 });
    const dmins = desc.edges.map((e: any) => Number(e.node.priceRange.min.amount));
    expect(dmins).toEqual([...dmins].sort((a, b) => b - a));
  });

  it('sorts NEWEST first, and RELEVANCE without a query means NEWEST', async () => {
    const newest = await search({ sort: 'NEWEST', first: 100 });
    const times = newest.edges.map((e: any) => Date.parse(e.node.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const relevance = await search({ sort: 'RELEVANCE', first: 100 });
    expect(relevance.edges.map((e: any) => e.node.id)).toEqual(newest.edges.map((e: any) => e.node.id));
  });

  it('pages through every sort with cursors, never skipping or repeating a product', async () => {
    for (const sort of ['RELEVANCE', 'NEWEST', 'PRICE_ASC', 'PRICE_DESC']) {
      for (const query of [null, 'mug']) {
        const whole = await search({ query, sort, first: 100 });
        const paged = await allPages({ query, sort }, 4);
        expect(paged.ids, `${sort} ${query}`).toEqual(whole.edges.map((e: any) => e.node.id));
        expect(new Set(paged.ids).size).toBe(paged.ids.length);
        expect(paged.ids.length).toBe(whole.totalCount);
      }
    }
  });

  it('pages with 20 by default and at most 100', async () => {
    const r = await search({});
    expect(r.edges).toHaveLength(20);
    expect(r.totalCount).toBe(27);
    expect(r.pageInfo.hasNextPage).toBe(true);
    const tooMany = await api(t).request(SEARCH, { first: 101 });
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const negative = await api(t).request(SEARCH, { first: -1 });
    expect(negative.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const none = await search({ first: 0 });
    expect(none.edges).toEqual([]);
    expect(none.totalCount).toBe(27);
  });

  it('takes any search text without an error: quotes, %, backslashes, operators', async () => {
    for (const query of [`"`, `'`, `lamp's "desk`, `%`, `100%`, `\\`, `a\\b`, `lamp & | ! ( ) : *`, `<->`, `--`, `OR`, `the`, `🙂 lamp`]) {
      const r = await api(t).request(SEARCH, { query });
      expect(r.errors, query).toBeUndefined();
      expect(r.data?.searchProducts.edges).toEqual(expect.any(Array));
    }
  });

  it('refuses a search text of 5,000 characters with BAD_USER_INPUT, not an SQL error', async () => {
    const r = await api(t).request(SEARCH, { query: 'lamp '.repeat(1000) });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(r)).not.toMatch(/tsquery|sql|select/i);
  });

  it('refuses a cursor that is not one of its own, and a price that is not a decimal', async () => {
    for (const after of ['garbage', Buffer.from('{"s":"NEWEST","k":"x","i":"1"}').toString('base64url')]) {
      const r = await api(t).request(SEARCH, { after });
      expect(r.errors?.[0].extensions?.code, after).toBe('BAD_USER_INPUT');
    }
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [sort, k] of [
      ['PRICE_ASC', 2 ** 40],
      ['RELEVANCE', '1e-999'],
      ['RELEVANCE', 'NaN'],
      ['NEWEST', 'yesterday'],
    ] as const) {
      const r = await api(t).request(SEARCH, { query: 'mug', sort, after: forged({ s: sort, k, i: id }) });
      expect(r.errors?.[0].extensions?.code, `${sort} ${k}`).toBe('BAD_USER_INPUT');
    }
    // a lenient date (February 30th) is normalised, never an SQL error
    const lenient = await api(t).request(SEARCH, { sort: 'NEWEST', after: forged({ s: 'NEWEST', k: '2026-02-30T00:00:00.000Z', i: id }) });
    expect(lenient.errors).toBeUndefined();
    const page = await search({ sort: 'PRICE_ASC', first: 1 });
    const wrongSort = await api(t).request(SEARCH, { sort: 'NEWEST', after: page.pageInfo.endCursor });
    expect(wrongSort.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    for (const minPrice of ['abc', '-1', '1e3', '12.345']) {
      const r = await api(t).request(SEARCH, { minPrice });
      expect(r.errors?.[0].extensions?.code, minPrice).toBe('BAD_USER_INPUT');
    }
  });

  it('finds nothing for ids that do not exist, including ids that are not UUIDs', async () => {
    expect((await search({ categoryId: 'not-a-uuid' })).totalCount).toBe(0);
    expect((await search({ storeId: '00000000-0000-4000-8000-000000000000' })).totalCount).toBe(0);
  });
});

describe('a page of products costs a constant number of SQL statements', () => {
  let t: TestStack;
  let stores: { id: string; name: string }[];
  const products: Awaited<ReturnType<typeof createProduct>>[] = [];
  beforeAll(async () => {
    t = await startTestStack();
    const seller = await mintPerson(t, { via: api(t) });
    stores = [await openStore(seller.client), await openStore(seller.client), await openStore(seller.client)];
    for (let batch = 0; batch < 10; batch++) {
      products.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, j) => batch * 10 + j).map((i) =>
            createProduct(seller.client, stores[i % 3].id, {
              title: `Product ${i}`,
              categoryId: i % 2 ? CATEGORY.kitchen : CATEGORY.audio,
              variants: [{ price: '3.00' }, { price: '4.00', options: [{ name: 'Color', value: 'Other' }] }],
            }),
          ),
        )),
      );
    }
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const PAGE = `query($first: Int) { searchProducts(first: $first) {
    edges { node { id title priceRange { min { amount } } category { name parent { name } }
      store { id name followerCount }
      variants { id sku price { amount } stock product { id } } } } } }`;

  /** Statements one query costs the catalog (the least of six runs: background work, such as the event bus's poll each second, only adds). */
  async function cost(first: number): Promise<number> {
    let least = Infinity;
    for (let i = 0; i < 6; i++) {
      if (i >= 3) await new Promise((r) => setTimeout(r, 50));
      const before = catalogStatements(t);
      const d = await api(t).data<any>(PAGE, { first });
      least = Math.min(least, catalogStatements(t) - before);
      expect(d.searchProducts.edges).toHaveLength(first);
    }
    return least;
  }

  it('is the same for first: 1, 20 and 100, with stores, categories and variants', async () => {
    const one = await cost(1);
    expect(await cost(20)).toBe(one);
    expect(await cost(100)).toBe(one);
    expect(one).toBeLessThanOrEqual(8);
  });

  /**
   * The catalog statements of one query (the least of up to eight runs: background work on the
   * same database handle, such as event consumers, may add some to a run on a busy machine), and its data.
   */
  async function measure<T = any>(client: ReturnType<typeof api>, query: string, variables?: Record<string, unknown>): Promise<{ n: number; data: T }> {
    let n = Infinity;
    let data!: T;
    for (let i = 0; i < 8 && n > 1; i++) {
      if (i >= 3) await new Promise((r) => setTimeout(r, 50));
      const before = catalogStatements(t);
      data = await client.data<T>(query, variables);
      n = Math.min(n, catalogStatements(t) - before);
    }
    return { n, data };
  }

  it('counts every match on every page in the page statement itself, stores included; an empty page counts apart', async () => {
    const Q = `query($first: Int, $after: String) { searchProducts(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id store { id name } } } } }`;
    const first = await measure(api(t), Q, { first: 40 });
    expect(first.n).toBe(1);
    expect(first.data.searchProducts.totalCount).toBe(100);
    const names = new Map(stores.map((s) => [s.id, s.name]));
    for (const e of first.data.searchProducts.edges) expect(e.node.store.name).toBe(names.get(e.node.store.id));
    // from a cursor: still every match, not what is left
    const second = await measure(api(t), Q, { first: 40, after: first.data.searchProducts.pageInfo.endCursor });
    expect(second.n).toBe(1);
    expect(second.data.searchProducts.totalCount).toBe(100);
    const last = await api(t).data<any>(Q, { first: 100, after: second.data.searchProducts.pageInfo.endCursor });
    expect(last.searchProducts.edges).toHaveLength(20);
    const past = await measure(api(t), Q, { first: 5, after: last.searchProducts.pageInfo.endCursor });
    expect(past.data.searchProducts).toEqual({ totalCount: 100, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
    expect(past.n).toBe(2);
    // asked for through fragments, or not asked for
    const fragments = await api(t).data<any>(
      `query { searchProducts(first: 2) { ...Counted ... on ProductConnection { edges { node { id } } } } } fragment Counted on ProductConnection { totalCount }`,
    );
    expect(fragments.searchProducts.totalCount).toBe(100);
    expect((await measure(api(t), `{ searchProducts(first: 3) { edges { node { id } } } }`)).n).toBe(1);
  });

  it('shows a product page with its store and follower count in two statements', async () => {
    const fan = await mintPerson(t, { via: api(t) });
    await fan.client.data(`mutation($id: ID!) { followStore(storeId: $id) { userErrors { code } } }`, { id: stores[1].id });
    const product = products.find((p) => p.title === 'Product 4')!; // in stores[1]
    const { n, data } = await measure(api(t), `query($id: ID!) { product(id: $id) { title store { id name followerCount } variants { sku stock } } }`, {
      id: product.id,
    });
    expect(data.product).toEqual({
      title: 'Product 4',
      store: { id: stores[1].id, name: stores[1].name, followerCount: 1 },
      variants: product.variants.map((v) => ({ sku: v.sku, stock: v.stock })),
    });
    expect(n).toBe(2); // the product with its store and follower count, then the variants
    const unknown = await api(t).data<any>(`query { a: product(id: "00000000-0000-4000-8000-000000000000") { id } b: product(id: "x") { id } }`);
    expect(unknown).toEqual({ a: null, b: null });
  });

  it("shows a cart with each line's product, store and variant in one statement", async () => {
    const buyer = await registerUser(api(t));
    const picked = [products[0], products[1], products[2], products[3]];
    for (const [i, p] of picked.entries()) {
      await buyer.client.data(`mutation($v: ID!, $q: Int!) { addToCart(variantId: $v, quantity: $q) { userErrors { code } } }`, {
        v: p.variants[i % 2].id,
        q: i + 1,
      });
    }
    const Q = `{ viewer { cart { totalQuantity subtotal { amount } lines { quantity unitPrice { amount } subtotal { amount }
      product { id title store { id name } } variant { id sku stock options { name value } product { id } } } } } }`;
    const { n, data } = await measure(buyer.client, Q);
    const names = new Map(stores.map((s) => [s.id, s.name]));
    expect(data.viewer.cart.totalQuantity).toBe(10);
    expect(data.viewer.cart.subtotal.amount).toBe('36.00'); // 1×3 + 2×4 + 3×3 + 4×4
    expect(data.viewer.cart.lines).toEqual(
      picked.map((p, i) => ({
        quantity: i + 1,
        unitPrice: { amount: i % 2 ? '4.00' : '3.00' },
        subtotal: { amount: `${(i + 1) * (i % 2 ? 4 : 3)}.00` },
        product: { id: p.id, title: p.title, store: { id: stores[i % 3].id, name: names.get(stores[i % 3].id) } },
        variant: {
          id: p.variants[i % 2].id,
          sku: p.variants[i % 2].sku,
          stock: p.variants[i % 2].stock,
          options: i % 2 ? [{ name: 'Color', value: 'Other' }] : [{ name: 'Color', value: 'Color 0' }],
          product: { id: p.id },
        },
      })),
    );
    expect(n).toBe(1); // the cart with its lines, their variants, products and stores
  });
});
