import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, registerUser, type Person } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { CREATE_COUPON, claim, eventually, inDays, promotionsInternal, uniqueCode } from '../helpers/promotions.ts';

const OPEN_STORE = `mutation Open($input: OpenStoreInput!) { openStore(input: $input) { store { id } userErrors { code message } } }`;

describe('seller coupons', () => {
  let t: TestStack;
  let seller: Person;
  let storeId: string;
  beforeAll(async () => {
    t = await startTestStack();
    seller = await mintPerson(t);
    const r = await seller.client.data<{ openStore: any }>(OPEN_STORE, { input: { name: `Shop ${crypto.randomUUID().slice(0, 8)}` } });
    expect(r.openStore.userErrors).toEqual([]);
    storeId = r.openStore.store.id;
  });
  afterAll(async () => {
    await t?.stop();
  });

  const sellerCoupon = (p: Person, input: Record<string, unknown> = {}) =>
    p.client.request<{ createCoupon: any }>(CREATE_COUPON, {
      input: { kind: 'SELLER', storeId, code: uniqueCode('S'), title: 'Shop sale', percentOff: 10, minOrderAmount: '10.00', expiresAt: inDays(t, 3), ...input },
    });

  it("lets a store's owner create a coupon for the store, listed on the store and as available", async () => {
    const r = await sellerCoupon(seller);
    expect(r.errors).toBeUndefined();
    const coupon = r.data!.createCoupon.coupon;
    expect(coupon).toMatchObject({ kind: 'SELLER', store: { id: storeId }, percentOff: 10, amountOff: null, remaining: null });
    const { availableCoupons } = await t.client.data<{ availableCoupons: any[] }>(`query($s: ID) { availableCoupons(storeId: $s) { id } }`, { s: storeId });
    expect(availableCoupons.map((c) => c.id)).toEqual([coupon.id]);
    const other = await t.client.data<{ availableCoupons: any[] }>(`query($s: ID) { availableCoupons(storeId: $s) { id } }`, { s: crypto.randomUUID() });
    expect(other.availableCoupons).toEqual([]);
  });

  it("refuses a coupon for someone else's store (FORBIDDEN), an unknown store and a missing store", async () => {
    const stranger = await mintPerson(t);
    const r = await sellerCoupon(stranger);
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const unknown = await sellerCoupon(seller, { storeId: crypto.randomUUID() });
    expect(unknown.data!.createCoupon.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'storeId'] });
    const missing = await sellerCoupon(seller, { storeId: null });
    expect(missing.data!.createCoupon.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'storeId'] });
  });

  it("applies only to its store's order, with the platform coupon capped at what is left", async () => {
    const r = await sellerCoupon(seller, { percentOff: 90, minOrderAmount: '0' });
    const sc = r.data!.createCoupon.coupon;
    const admin = await mintPerson(t, { roles: ['admin'] });
    const pc = (
      await admin.client.data<{ createCoupon: any }>(CREATE_COUPON, {
        input: { kind: 'PLATFORM', code: uniqueCode('P'), title: 'Big', amountOff: '50.00', minOrderAmount: '0', expiresAt: inDays(t, 3) },
      })
    ).createCoupon.coupon;
    const buyer = await mintPerson(t);
    expect((await claim(buyer, sc.id)).userErrors).toEqual([]);
    expect((await claim(buyer, pc.id)).userErrors).toEqual([]);

    const elsewhere = await promotionsInternal(t, 'redeemCoupons', {
      key: crypto.randomUUID(),
      buyerId: buyer.userId,
      codes: [sc.code],
      orders: [{ orderId: crypto.randomUUID(), storeId: crypto.randomUUID(), subtotal: 10_000 }],
    });
    expect(elsewhere.error.code).toBe('COUPON_NOT_APPLICABLE');

    const orderId = crypto.randomUUID();
    const here = await promotionsInternal(t, 'redeemCoupons', {
      key: crypto.randomUUID(),
      buyerId: buyer.userId,
      codes: [pc.code, sc.code],
      orders: [{ orderId, storeId, subtotal: 2_001 }],
    });
    expect(here.ok).toBe(true);
    // 90% of 20.01 = 18.00 (floor of 1800.9); the platform 50.00 is capped at the 2.01 left
    expect(here.applications).toEqual([
      { orderId, couponId: sc.id, code: sc.code, kind: 'SELLER', discount: 1_800 },
      { orderId, couponId: pc.id, code: pc.code, kind: 'PLATFORM', discount: 201 },
    ]);
  });

  it("knows the store's claimable coupons on Store.coupons", async () => {
    const { store } = await t.client.data<{ store: any }>(`query($id: ID!) { store(id: $id) { id coupons { id kind store { id } } } }`, { id: storeId });
    expect(store.coupons.length).toBeGreaterThan(0);
    expect(store.coupons.every((c: any) => c.kind === 'SELLER' && c.store.id === storeId)).toBe(true);
  });

  it("tells a watcher when the seller lowers a product's price, and answers watched per viewer", async () => {
    const { categories } = await t.client.data<{ categories: { id: string }[] }>(`{ categories { id } }`);
    const created = await seller.client.data<{ createProduct: any }>(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id variants { id } } userErrors { code message } } }`,
      {
        input: {
          storeId,
          title: 'Blue kettle',
          description: 'Boils water.',
          categoryId: categories[0].id,
          variants: [{ sku: 'KETTLE-1', options: [], price: '40.00', stock: 5 }],
        },
      },
    );
    expect(created.createProduct.userErrors).toEqual([]);
    const productId = created.createProduct.product.id;
    const variantId = created.createProduct.product.variants[0].id;
    const watcher = await registerUser(t.client);
    await watcher.client.data(`mutation($id: ID!) { watchPrice(productId: $id) { userErrors { code } } }`, { id: productId });
    const q = `query($id: ID!) { product(id: $id) { id watched } }`;
    expect((await watcher.client.data<{ product: any }>(q, { id: productId })).product.watched).toBe(true);
    expect((await t.client.data<{ product: any }>(q, { id: productId })).product.watched).toBe(false);

    const from = t.stack.bus.position;
    const upd = await seller.client.data<{ updateVariant: any }>(
      `mutation($id: ID!) { updateVariant(variantId: $id, input: { price: "35.50" }) { userErrors { code message } } }`,
      { id: variantId },
    );
    expect(upd.updateVariant.userErrors).toEqual([]);
    const drop = await eventually(async () => (await t.stack.bus.readAfter(from, { topics: ['promotion.price_dropped'] }))[0]);
    expect(drop.payload).toEqual({ userId: watcher.userId, productId, title: 'Blue kettle', previousPrice: 4_000, newPrice: 3_550 });
    expect(drop.audience).toEqual([watcher.userId]);

    // the messaging subgraph turns it into a PROMOTIONS message in the watcher's Message Center
    const inbox = `{ viewer { conversations(category: PROMOTIONS) { edges { node { category lastMessage { senderRole body } } } } } }`;
    const conv = await eventually(async () => {
      const r = await watcher.client.data<{ viewer: any }>(inbox);
      return r.viewer.conversations.edges[0]?.node;
    });
    expect(conv.category).toBe('PROMOTIONS');
    expect(conv.lastMessage.body).toContain('Blue kettle');
    expect(conv.lastMessage.body).toContain('35.50');
  });
});
