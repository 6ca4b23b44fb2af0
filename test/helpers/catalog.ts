/**
 * Catalog helpers for tests: stores and products made through the gateway, and
 * the catalog's internal operations called over HTTP.
 *
 *   const seller = await mintPerson(t, { via: api(t) });  // accounts.ts: a distinct signed-in person
 *   const store = await openStore(seller.client, 'Lamp Land');
 *   const product = await createProduct(seller.client, store.id, { title: 'Desk lamp' });
 */
import crypto from 'node:crypto';
import { CATEGORY } from '../../subgraphs/catalog/seed.ts';
import { GraphQLClient } from './client.ts';
import type { TestStack } from './stack.ts';

export { CATEGORY };

/**
 * The client catalog tests talk through: the gateway. (CATALOG_TEST_DIRECT=1 talks to the
 * catalog subgraph itself, with the secret: a debugging aid while the gateway is being changed.)
 */
export function api(t: TestStack): GraphQLClient {
  if (process.env.CATALOG_TEST_DIRECT) return new GraphQLClient(t.stack.urls.catalog).withHeaders({ 'x-subgraph-secret': t.stack.secret });
  return t.client;
}

export const PRODUCT_FIELDS = `id title description images createdAt
  category { id name } store { id name }
  priceRange { min { amount currencyCode } max { amount } }
  variants { id sku options { name value } price { amount } stock }`;

export async function openStore(client: GraphQLClient, name = `Store ${crypto.randomUUID().slice(0, 8)}`, description?: string) {
  const d = await client.data<{ openStore: any }>(
    `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id name description followerCount } userErrors { field code message } } }`,
    { input: { name, description } },
  );
  if (d.openStore.userErrors.length) throw new Error(`openStore failed: ${JSON.stringify(d.openStore.userErrors)}`);
  return d.openStore.store as { id: string; name: string };
}

export interface VariantSpec {
  sku?: string;
  options?: { name: string; value: string }[];
  price?: string;
  stock?: number;
}

export interface ProductSpec {
  title?: string;
  description?: string;
  categoryId?: string;
  images?: string[];
  variants?: VariantSpec[];
}

export function productInput(storeId: string, spec: ProductSpec = {}) {
  return {
    storeId,
    title: spec.title ?? 'Plain product',
    description: spec.description ?? 'A plain product for tests.',
    categoryId: spec.categoryId ?? CATEGORY.kitchen,
    images: spec.images ?? [],
    variants: (spec.variants ?? [{}]).map((v, i) => ({
      sku: v.sku ?? `SKU-${crypto.randomUUID().slice(0, 8)}-${i}`,
      options: v.options ?? [{ name: 'Color', value: `Color ${i}` }],
      price: v.price ?? '10.00',
      stock: v.stock ?? 10,
    })),
  };
}

export const CREATE_PRODUCT = `mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { ${PRODUCT_FIELDS} } userErrors { field code message } } }`;

export async function createProduct(client: GraphQLClient, storeId: string, spec: ProductSpec = {}) {
  const d = await client.data<{ createProduct: any }>(CREATE_PRODUCT, { input: productInput(storeId, spec) });
  if (d.createProduct.userErrors.length) throw new Error(`createProduct failed: ${JSON.stringify(d.createProduct.userErrors)}`);
  return d.createProduct.product as {
    id: string;
    title: string;
    variants: { id: string; sku: string; stock: number; price: { amount: string } }[];
  };
}

/** Calls one of the catalog's internal operations directly, as another subgraph would. */
export async function internal<T = any>(t: TestStack, operation: string, input: unknown, secret = t.stack.secret): Promise<{ status: number; body: T }> {
  const res = await fetch(t.stack.urls.catalog.replace(/\/graphql$/, `/internal/${operation}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-subgraph-secret': secret },
    body: JSON.stringify(input),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Statements the catalog subgraph has run so far. */
export function catalogStatements(t: TestStack): number {
  return t.stack.subgraphs.catalog.db.statements.count;
}
