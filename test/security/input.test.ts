/**
 * NUL bytes in text input (platform/text-input.ts): whatever field they
 * are in, through the gateway, the answer is a GraphQL error with
 * `extensions.code` INVALID_INPUT, nothing is changed, and every process
 * stays up. (PostgreSQL cannot store U+0000 in text: before the rule such
 * input reached the database and came back as INTERNAL_SERVER_ERROR.)
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, registerBuyer, registerUser } from '../helpers/accounts.ts';
import type { GraphQLResponse } from '../helpers/client.ts';
import { M, addToCart, orderIn, shop, ORDER_QUERY } from '../helpers/orders.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/subscriptions.ts';

const NUL = '\u0000';

let t: TestStack;
beforeAll(async () => {
  // a checkout makes several internal calls; on a loaded machine they can outlast the 5 s default
  t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
}, 240_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

/** The answer is exactly one INVALID_INPUT error, with no data leaking past it and no internals in the message. */
function expectInvalidInput(r: GraphQLResponse) {
  expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
  expect(r.errors![0].message).toMatch(/NUL/);
  expect(JSON.stringify(r)).not.toMatch(/stack|sql|postgres|0x00|invalid byte sequence/i);
}

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken viewer { id } userErrors { code } } }`;
const OPEN_STORE = `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id name } userErrors { code } } }`;
const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } userErrors { code } } }`;
const MY_STORES = `{ viewer { stores { id name } } }`;
const MY_CONVERSATIONS = `{ viewer { conversations { edges { node { id } } } } }`;

describe('NUL bytes in text input', () => {
  it('refuses a NUL in the name or the email at register with INVALID_INPUT, and creates no account', async () => {
    const email = `nul-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const inName = await t.client.request(REGISTER, { input: { email, password: 'long-enough-pw', fullName: `Ada${NUL}Lovelace` } });
    expectInvalidInput(inName);
    const inEmail = await t.client.request(REGISTER, { input: { email: `${NUL}${email}`, password: 'long-enough-pw', fullName: 'Ada' } });
    expectInvalidInput(inEmail);
    // the email is still free
    const clean = await registerUser(t.client, { email });
    expect(clean.userId).toEqual(expect.any(String));
  });

  it('refuses a NUL in a store name at openStore with INVALID_INPUT, and opens no store', async () => {
    const seller = await registerUser(t.client);
    const r = await seller.client.request(OPEN_STORE, { input: { name: `Lamp${NUL}Land`, description: 'Lamps' } });
    expectInvalidInput(r);
    const d = await seller.client.request(OPEN_STORE, { input: { name: 'Lamp Land NUL test', description: `Lamps${NUL}` } });
    expectInvalidInput(d);
    expect((await seller.client.data<any>(MY_STORES)).viewer.stores).toEqual([]);
  });

  it('refuses a NUL in a message body at sendMessage with INVALID_INPUT, and sends nothing', async () => {
    const [seller, buyer] = await Promise.all([mintPerson(t), registerUser(t.client)]);
    const store = (await seller.client.data<any>(OPEN_STORE, { input: { name: `Talk ${crypto.randomUUID().slice(0, 8)}` } })).openStore.store;
    const r = await buyer.client.request(SEND, { input: { storeId: store.id, body: `Hello${NUL}` } });
    expectInvalidInput(r);
    expect((await buyer.client.data<any>(MY_CONVERSATIONS)).viewer.conversations.edges).toEqual([]);
  });

  it('refuses a NUL in the idempotency key or a coupon code at checkout with INVALID_INPUT, and places no order', async () => {
    const s = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 2);
    for (const input of [
      { shippingAddressId: buyer.addressId, idempotencyKey: `key-${NUL}-1` },
      { shippingAddressId: buyer.addressId, idempotencyKey: 'key-2', couponCodes: [`SAVE${NUL}`] },
    ]) {
      expectInvalidInput(await buyer.client.request(M.checkout, { input }));
    }
    const after = await buyer.client.data<any>(`{ viewer { orders { edges { node { id } } } cart { lines { quantity } } } }`);
    expect(after.viewer.orders.edges).toEqual([]);
    expect(after.viewer.cart.lines).toEqual([{ quantity: 2 }]);
  });

  it('refuses a NUL in a dispute description at openDispute with INVALID_INPUT, and leaves the order as it was', async () => {
    const [buyer, seller] = await Promise.all([mintPerson(t), mintPerson(t)]);
    const id = await orderIn(t, buyer, seller, 'UNCONFIRMED_DELIVERY');
    const r = await buyer.client.request(M.dispute, { id, reason: 'DAMAGED', d: `Broken${NUL}` });
    expectInvalidInput(r);
    const { order } = await buyer.client.data<any>(ORDER_QUERY, { id });
    expect(order.status).toBe('UNCONFIRMED_DELIVERY');
    expect(order.dispute).toBeNull();
  });

  it('refuses a NUL in a search query with INVALID_INPUT', async () => {
    const r = await t.client.request(`query($q: String) { searchProducts(query: $q) { totalCount } }`, { q: `lamp${NUL}` });
    expectInvalidInput(r);
  });

  it('refuses a NUL written inline in the query text ("\\u0000") just the same', async () => {
    const seller = await registerUser(t.client);
    const inline = await seller.client.request(`mutation { openStore(input: { name: "Inline\\u0000Store" }) { store { id } userErrors { code } } }`);
    expectInvalidInput(inline);
    const inList = await t.client.request(`{ searchProducts(query: "ok", after: "\\u0000") { totalCount } }`);
    expectInvalidInput(inList);
    expect((await seller.client.data<any>(MY_STORES)).viewer.stores).toEqual([]);
  });

  it('looks into nested input objects and lists, not only top-level arguments', async () => {
    const seller = await mintPerson(t);
    const store = (await seller.client.data<any>(OPEN_STORE, { input: { name: `Nested ${crypto.randomUUID().slice(0, 8)}` } })).openStore.store;
    const r = await seller.client.request(`mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { code } } }`, {
      input: {
        storeId: store.id,
        title: 'Lamp',
        description: 'A lamp',
        categoryId: crypto.randomUUID(),
        variants: [{ sku: 'L-1', options: [{ name: 'Color', value: `Red${NUL}` }], price: '10.00', stock: 1 }],
      },
    });
    expectInvalidInput(r);
  });

  it('refuses a NUL in a subscription argument over the websocket with INVALID_INPUT', async () => {
    const a = await mintPerson(t);
    const ws = connect(t, a.token);
    try {
      const sub = subscribe(ws, `subscription($after: String) { messageAdded(after: $after) { id } }`, { after: `1${NUL}` });
      await sub.ended(15_000);
      const errors = (Array.isArray(sub.error) ? sub.error : sub.results.flatMap((r) => r.errors ?? [])) as { extensions?: { code?: string } }[];
      expect(errors.map((e) => e.extensions?.code)).toEqual(['INVALID_INPUT']);
      expect(sub.events.filter(Boolean)).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });

  it('keeps every process up and answering after all of it', async () => {
    const health = await fetch(t.url.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
    const a = await registerUser(t.client);
    const r = await a.client.data<any>(OPEN_STORE, { input: { name: `Still up ${crypto.randomUUID().slice(0, 8)}` } });
    expect(r.openStore.userErrors).toEqual([]);
  });
});
