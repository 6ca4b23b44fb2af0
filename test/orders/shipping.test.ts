/**
 * Shipping options per store (catalog: setShippingOptions, Store.handlingDays,
 * Store.shippingOptions) and what checkout does with them (orders: the cost
 * for the destination and method, SHIPPING_UNAVAILABLE, delivery estimates,
 * the ship-by deadline), through the gateway.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBuyer, type Buyer } from '../helpers/accounts.ts';
import { addToCart, pay, shop, stockOf, type Shop } from '../helpers/orders.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const DAY = 86_400_000;
const STORE = `query($id: ID!) { store(id: $id) { id handlingDays shippingOptions { method country cost { amount currencyCode } minDays maxDays } } }`;
const SET = `mutation($storeId: ID!, $handlingDays: Int!, $options: [ShippingOptionInput!]!) {
  setShippingOptions(storeId: $storeId, handlingDays: $handlingDays, options: $options) {
    store { id handlingDays shippingOptions { method country cost { amount } minDays maxDays } }
    userErrors { field code message } } }`;
const ORDER = `id status shippingMethod subtotal { amount } shippingCost { amount } total { amount } createdAt
  estimatedDeliveryFrom estimatedDeliveryTo shipByDeadline statusHistory { status at }`;
const CHECKOUT = `mutation($input: CheckoutInput!) { checkout(input: $input) { orders { ${ORDER} } userErrors { field code message } } }`;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
}, 240_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

const storeOf = async (id: string) => (await t.client.data<{ store: any }>(STORE, { id })).store;

async function setOptions(s: Shop, handlingDays: number, options: Record<string, unknown>[]) {
  return (await s.seller.client.data<{ setShippingOptions: any }>(SET, { storeId: s.storeId, handlingDays, options })).setShippingOptions;
}

/** A second address of the buyer, in `country`. */
async function addressIn(b: Buyer, country: string): Promise<string> {
  const r = await b.client.data<{ addShippingAddress: any }>(
    `mutation($input: ShippingAddressInput!) { addShippingAddress(input: $input) { address { id } userErrors { code message } } }`,
    { input: { recipientName: 'Ada Buyer', phone: '+49 30 0100', country, city: 'Berlin', street: '1 Hauptstr', postalCode: '10115' } },
  );
  expect(r.addShippingAddress.userErrors).toEqual([]);
  return r.addShippingAddress.address.id;
}

async function checkout(b: Buyer, input: Record<string, unknown>) {
  return (
    await b.client.data<{ checkout: any }>(CHECKOUT, {
      input: { shippingAddressId: b.addressId, idempotencyKey: crypto.randomUUID(), ...input },
    })
  ).checkout;
}

const OPTIONS = [
  { method: 'STANDARD', country: 'US', cost: '2.50', minDays: 5, maxDays: 10 },
  { method: 'STANDARD', country: null, cost: '7.00', minDays: 10, maxDays: 25 },
  { method: 'EXPRESS', country: 'us', cost: '12.00', minDays: 2, maxDays: 4 },
];

describe('shipping options per store', { timeout: 120_000 }, () => {
  it('shows the defaults for a store that set none: STANDARD free and EXPRESS at the platform fee everywhere, and the platform ship-by time in days', async () => {
    const s = await shop(t);
    expect(await storeOf(s.storeId)).toEqual({
      id: s.storeId,
      handlingDays: 7, // ORDER_SHIPPING_WINDOW_S 604800
      shippingOptions: [
        { method: 'STANDARD', country: null, cost: { amount: '0.00', currencyCode: 'USD' }, minDays: 10, maxDays: 20 },
        { method: 'EXPRESS', country: null, cost: { amount: '9.99', currencyCode: 'USD' }, minDays: 3, maxDays: 7 },
      ],
    });
  });

  it("lets the store's owner set the handling time and options, which anyone then sees; an empty list brings the defaults back", async () => {
    const s = await shop(t);
    const r = await setOptions(s, 3, OPTIONS);
    expect(r.userErrors).toEqual([]);
    const expected = [
      { method: 'STANDARD', country: 'US', cost: { amount: '2.50' }, minDays: 5, maxDays: 10 },
      { method: 'STANDARD', country: null, cost: { amount: '7.00' }, minDays: 10, maxDays: 25 },
      { method: 'EXPRESS', country: 'US', cost: { amount: '12.00' }, minDays: 2, maxDays: 4 },
    ];
    expect(r.store).toEqual({ id: s.storeId, handlingDays: 3, shippingOptions: expected });
    expect(await storeOf(s.storeId)).toMatchObject({ handlingDays: 3, shippingOptions: expected });

    const back = await setOptions(s, 2, []);
    expect(back.userErrors).toEqual([]);
    expect(back.store.handlingDays).toBe(2);
    expect(back.store.shippingOptions.map((o: any) => [o.method, o.country, o.cost.amount])).toEqual([
      ['STANDARD', null, '0.00'],
      ['EXPRESS', null, '9.99'],
    ]);
  });

  it('refuses bad settings with a clear userError naming the field, and changes nothing', async () => {
    const s = await shop(t);
    expect((await setOptions(s, 3, OPTIONS)).userErrors).toEqual([]);
    const before = await storeOf(s.storeId);
    const ok = { method: 'STANDARD', country: 'DE', cost: '1.00', minDays: 1, maxDays: 2 };
    const cases: [number, Record<string, unknown>[], string[], RegExp][] = [
      [3, [{ ...ok, cost: '-1.00' }], ['options', '0', 'cost'], /negative/],
      [3, [{ ...ok, cost: 'free' }], ['options', '0', 'cost'], /amount/],
      [3, [{ ...ok, minDays: 5, maxDays: 2 }], ['options', '0', 'minDays'], /minDays cannot be more than maxDays/],
      [3, [{ ...ok, minDays: -1 }], ['options', '0', 'minDays'], /negative/],
      [3, [ok, { ...ok, country: 'de', cost: '2.00' }], ['options', '1'], /one option per method and country/],
      [3, [ok, { ...ok, country: null }, { ...ok, country: null }], ['options', '2'], /everywhere else/],
      [3, [{ ...ok, country: 'XX' }], ['options', '0', 'country'], /ISO 3166-1/],
      [3, [{ ...ok, country: 'Germany' }], ['options', '0', 'country'], /ISO 3166-1/],
      [0, [ok], ['handlingDays'], /1–30/],
      [31, [ok], ['handlingDays'], /1–30/],
    ];
    for (const [handlingDays, options, field, message] of cases) {
      const r = await setOptions(s, handlingDays, options);
      expect(r.store).toBeNull();
      expect(r.userErrors).toHaveLength(1);
      expect(r.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field });
      expect(r.userErrors[0].message).toMatch(message);
    }
    // an unknown method is not a ShippingMethod: the request is refused before anything runs
    const bad = await s.seller.client.request(SET, { storeId: s.storeId, handlingDays: 3, options: [{ ...ok, method: 'DRONE' }] });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await storeOf(s.storeId)).toEqual(before);
  });

  it('refuses anyone but the owner: another seller (FORBIDDEN), a guest (UNAUTHENTICATED); an unknown store is NOT_FOUND', async () => {
    const s = await shop(t);
    const other = await shop(t);
    const before = await storeOf(s.storeId);
    const vars = { storeId: s.storeId, handlingDays: 1, options: [{ method: 'STANDARD', cost: '99.00', minDays: 1, maxDays: 2 }] };
    const foreign = await other.seller.client.request(SET, vars);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const guest = await t.client.request(SET, vars);
    expect(guest.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const unknown = await s.seller.client.data<{ setShippingOptions: any }>(SET, { ...vars, storeId: crypto.randomUUID() });
    expect(unknown.setShippingOptions.userErrors).toMatchObject([{ code: 'NOT_FOUND', field: ['storeId'] }]);
    expect(await storeOf(s.storeId)).toEqual(before);
  });
});

describe('checkout with the store’s shipping', { timeout: 120_000 }, () => {
  it("charges the option for the address's country, else the one for everywhere else, in the order's total and expectedTotal", async () => {
    const s = await shop(t, { price: '10.00' });
    expect((await setOptions(s, 3, OPTIONS)).userErrors).toEqual([]);
    const buyer = await registerBuyer(t.client); // address in the US
    await addToCart(buyer.client, s.variantId, 2);
    const us = await checkout(buyer, { expectedTotal: '22.50' });
    expect(us.userErrors).toEqual([]);
    expect(us.orders[0]).toMatchObject({
      shippingMethod: 'STANDARD',
      subtotal: { amount: '20.00' },
      shippingCost: { amount: '2.50' },
      total: { amount: '22.50' },
    });

    const germany = await addressIn(buyer, 'DE');
    await addToCart(buyer.client, s.variantId, 1);
    const de = await checkout(buyer, { shippingAddressId: germany, shipping: [{ storeId: s.storeId, method: 'STANDARD' }] });
    expect(de.userErrors).toEqual([]);
    expect(de.orders[0]).toMatchObject({ shippingCost: { amount: '7.00' }, total: { amount: '17.00' } });

    await addToCart(buyer.client, s.variantId, 1);
    const express = await checkout(buyer, { shipping: [{ storeId: s.storeId, method: 'EXPRESS' }], expectedTotal: '22.00' });
    expect(express.userErrors).toEqual([]);
    expect(express.orders[0]).toMatchObject({ shippingMethod: 'EXPRESS', shippingCost: { amount: '12.00' }, total: { amount: '22.00' } });
  });

  it('answers SHIPPING_UNAVAILABLE when the store has no option for the method and country, and creates and takes nothing', async () => {
    const s = await shop(t, { stock: 5 });
    expect((await setOptions(s, 3, OPTIONS)).userErrors).toEqual([]);
    const buyer = await registerBuyer(t.client);
    const germany = await addressIn(buyer, 'DE');
    await addToCart(buyer.client, s.variantId, 2);
    const r = await checkout(buyer, { shippingAddressId: germany, shipping: [{ storeId: s.storeId, method: 'EXPRESS' }] });
    expect(r.orders).toEqual([]);
    expect(r.userErrors).toMatchObject([{ code: 'SHIPPING_UNAVAILABLE', field: ['input', 'shipping'] }]);
    expect(r.userErrors[0].message).toContain('EXPRESS to DE');
    expect(await stockOf(t, s.productId)).toBe(5);
    const cart = await buyer.client.data<any>(`{ viewer { cart { lines { quantity } } orders { totalCount } } }`);
    expect(cart.viewer.cart.lines).toEqual([{ quantity: 2 }]);
    expect(cart.viewer.orders.totalCount).toBe(0);
    // the same cart ships STANDARD to Germany (everywhere else)
    const ok = await checkout(buyer, { shippingAddressId: germany });
    expect(ok.userErrors).toEqual([]);
    expect(await stockOf(t, s.productId)).toBe(3);
  });

  it('keeps the defaults for a store that set no options (STANDARD free, EXPRESS 9.99), in one checkout with a store that did', async () => {
    const [a, b] = [await shop(t, { price: '10.00' }), await shop(t, { price: '4.00' })];
    expect((await setOptions(b, 2, [{ method: 'STANDARD', cost: '1.25', minDays: 1, maxDays: 3 }])).userErrors).toEqual([]);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, a.variantId, 1);
    await addToCart(buyer.client, b.variantId, 1);
    const r = await checkout(buyer, { shipping: [{ storeId: a.storeId, method: 'EXPRESS' }], expectedTotal: '25.24' });
    expect(r.userErrors).toEqual([]);
    const totals = r.orders.map((o: any) => [o.shippingMethod, o.shippingCost.amount, o.total.amount]).sort();
    expect(totals).toEqual([
      ['EXPRESS', '9.99', '19.99'],
      ['STANDARD', '1.25', '5.25'],
    ]);
  });

  it('estimates delivery as placed + handling days + the option’s min and max days; the ship-by deadline is payment + the store’s handling days', async () => {
    const s = await shop(t);
    expect((await setOptions(s, 3, OPTIONS)).userErrors).toEqual([]);
    const plain = await shop(t);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    await addToCart(buyer.client, plain.variantId, 1);
    const r = await checkout(buyer, {});
    expect(r.userErrors).toEqual([]);
    const own = r.orders.find((o: any) => o.total.amount === '12.50');
    const dflt = r.orders.find((o: any) => o.total.amount === '10.00');
    const placed = Date.parse(own.createdAt);
    expect(Date.parse(own.estimatedDeliveryFrom)).toBe(placed + (3 + 5) * DAY);
    expect(Date.parse(own.estimatedDeliveryTo)).toBe(placed + (3 + 10) * DAY);
    // the defaults: the platform's 7 days, then STANDARD 10–20 days
    expect(Date.parse(dflt.estimatedDeliveryFrom)).toBe(Date.parse(dflt.createdAt) + (7 + 10) * DAY);
    expect(Date.parse(dflt.estimatedDeliveryTo)).toBe(Date.parse(dflt.createdAt) + (7 + 20) * DAY);

    const p = await pay(buyer, [own.id, dflt.id]);
    expect(p.userErrors).toEqual([]);
    const read = async (id: string) => (await buyer.client.data<any>(`query($id: ID!) { order(id: $id) { ${ORDER} } }`, { id })).order;
    const paidOwn = await read(own.id);
    const paidAt = Date.parse(paidOwn.statusHistory.find((h: any) => h.status === 'SHIPMENT_REQUIRED').at);
    expect(Date.parse(paidOwn.shipByDeadline)).toBe(paidAt + 3 * DAY);
    const paidDefault = await read(dflt.id);
    expect(Date.parse(paidDefault.shipByDeadline)).toBe(paidAt + t.config.orderClock.shippingWindowS * 1000);
  });

  it('charges what the options said when the order was placed, whatever the seller sets later', async () => {
    const s = await shop(t);
    expect((await setOptions(s, 3, OPTIONS)).userErrors).toEqual([]);
    const buyer = await registerBuyer(t.client);
    await addToCart(buyer.client, s.variantId, 1);
    const r = await checkout(buyer, {});
    expect(r.userErrors).toEqual([]);
    expect((await setOptions(s, 3, [{ method: 'STANDARD', cost: '50.00', minDays: 1, maxDays: 1 }])).userErrors).toEqual([]);
    const o = (await buyer.client.data<any>(`query($id: ID!) { order(id: $id) { ${ORDER} } }`, { id: r.orders[0].id })).order;
    expect(o).toMatchObject({ shippingCost: { amount: '2.50' }, total: { amount: '12.50' } });
  });
});
