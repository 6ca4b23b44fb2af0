import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

describe('a seeded stack has a demo catalog', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ seed: true });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('answers the foundation acceptance query: categories and three products with their store names', async () => {
    const d = await t.client.data<any>(`{ categories { id name } searchProducts(first: 3) { edges { node { title store { name } } } } }`);
    expect(d.categories.length).toBeGreaterThanOrEqual(8);
    expect(d.searchProducts.edges).toHaveLength(3);
    for (const e of d.searchProducts.edges) {
      expect(e.node.title).toEqual(expect.any(String));
      expect(e.node.store.name).toEqual(expect.any(String));
    }
  });

  it('holds several stores of the demo seller with a few dozen products across the categories', async () => {
    const d = await t.client.data<any>(
      `{ searchProducts(first: 100) { totalCount edges { node { category { name parent { name } } store { id } variants { options { name value } price { amount } stock } } } } }`,
    );
    expect(d.searchProducts.totalCount).toBeGreaterThanOrEqual(24);
    const stores = new Set(d.searchProducts.edges.map((e: any) => e.node.store.id));
    expect(stores.size).toBeGreaterThanOrEqual(3);
    const categories = new Set(d.searchProducts.edges.map((e: any) => e.node.category.name));
    expect(categories.size).toBeGreaterThanOrEqual(6);
    expect(d.searchProducts.edges.every((e: any) => e.node.variants.length >= 1)).toBe(true);
  });

  it('finds lamps when a guest searches for "lamps"', async () => {
    const d = await t.client.data<any>(`{ searchProducts(query: "lamps", first: 5) { edges { node { title } } } }`);
    expect(d.searchProducts.edges.length).toBeGreaterThan(0);
    expect(d.searchProducts.edges[0].node.title).toMatch(/lamp/i);
  });
});
