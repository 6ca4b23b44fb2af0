import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../platform/db.ts';
import { DEMO_STORES } from '../../subgraphs/catalog/seed.ts';
import { loginDemo, registerUser, type Account } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const ok = (payload: { userErrors: unknown[] }, step = '') => expect(payload.userErrors, step).toEqual([]);

describe('deactivating an account, across every subgraph', () => {
  let t: TestStack;
  let seller: Account;
  let person: Account;
  let productId: string;
  const storeId = DEMO_STORES.lumen;

  beforeAll(async () => {
    t = await startTestStack({ seed: true, env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
    seller = await loginDemo(t.client, 'seller');
    person = await registerUser(t.client, { fullName: 'Leaving Person' });
    const found = await t.client.data(`query($s: ID!) { searchProducts(storeId: $s, first: 1) { edges { node { id variants { id } } } } }`, { s: storeId });
    const product = found.searchProducts.edges[0].node;
    productId = product.id;
    const p = person.client;
    ok(
      (await p.data(`mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { userErrors { code } } }`, { v: product.variants[0].id })).addToCart,
      'addToCart',
    );
    ok((await p.data(`mutation($p: ID!) { addToWishList(productId: $p) { userErrors { code } } }`, { p: productId })).addToWishList, 'addToWishList');
    ok((await p.data(`mutation($s: ID!) { followStore(storeId: $s) { userErrors { code } } }`, { s: storeId })).followStore, 'followStore');
    ok((await p.data(`mutation($p: ID!) { watchPrice(productId: $p) { userErrors { code } } }`, { p: productId })).watchPrice, 'watchPrice');
    const code = `LEAVE${Date.now() % 100000}`;
    const coupon = await seller.client.data(`mutation($i: CreateCouponInput!) { createCoupon(input: $i) { coupon { id } userErrors { code message } } }`, {
      i: {
        kind: 'SELLER',
        storeId,
        code,
        title: 'Five off',
        amountOff: '5.00',
        minOrderAmount: '0',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    ok(coupon.createCoupon, 'createCoupon');
    ok((await p.data(`mutation($c: String) { claimCoupon(code: $c) { userErrors { code } } }`, { c: code })).claimCoupon, 'claimCoupon');
    ok(
      (await p.data(`mutation($s: ID!) { sendMessage(input: { storeId: $s, body: "Is this lamp dimmable?" }) { userErrors { code } } }`, { s: storeId }))
        .sendMessage,
      'sendMessage',
    );
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  const sellerView = async () =>
    (await seller.client.data(`query($s: ID!) { store(id: $s) { followerCount conversations { totalCount } } }`, { s: storeId })).store as {
      followerCount: number;
      conversations: { totalCount: number };
    };

  /** What each subgraph still holds of the person. */
  async function leftovers(): Promise<Record<string, number>> {
    const count = async (db: TestStack['stack']['subgraphs']['users']['db'], query: ReturnType<typeof sql>) =>
      Number((await queryRows<{ n: string }>(db.drizzle, query))[0].n);
    const s = t.stack.subgraphs;
    const id = person.userId;
    return {
      cartLines: await count(
        s.catalog.db,
        sql`select count(*) as n from catalog.cart_lines l join catalog.carts c on c.id = l.cart_id where c.owner_id = ${id}`,
      ),
      wishList: await count(s.catalog.db, sql`select count(*) as n from catalog.wish_list_items where user_id = ${id}`),
      storeList: await count(s.catalog.db, sql`select count(*) as n from catalog.store_follows where user_id = ${id}`),
      coupons: await count(s.promotions.db, sql`select count(*) as n from promotions.user_coupons where user_id = ${id} and used_at is null`),
      priceWatches: await count(s.promotions.db, sql`select count(*) as n from promotions.price_watches where user_id = ${id}`),
      conversations: await count(s.messaging.db, sql`select count(*) as n from messaging.conversations where buyer_id = ${id}`),
    };
  }

  it('deletes the person’s cart, lists, watches, unused coupons and conversations, and the seller no longer sees them', async () => {
    const before = await sellerView();
    expect(await leftovers()).toEqual({ cartLines: 1, wishList: 1, storeList: 1, coupons: 1, priceWatches: 1, conversations: 1 });

    const r = await person.client.data(
      `mutation($p: String!, $e: String!) { deactivateAccount(password: $p, confirmEmail: $e, reason: "moving on") { deactivated userErrors { code } } }`,
      { p: person.password, e: person.email },
    );
    expect(r.deactivateAccount).toEqual({ deactivated: true, userErrors: [] });

    const deadline = Date.now() + 15_000;
    let left = await leftovers();
    while (Object.values(left).some((n) => n > 0) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      left = await leftovers();
    }
    expect(left).toEqual({ cartLines: 0, wishList: 0, storeList: 0, coupons: 0, priceWatches: 0, conversations: 0 });
    const after = await sellerView();
    expect(after.followerCount).toBe(before.followerCount - 1);
    expect(after.conversations.totalCount).toBe(before.conversations.totalCount - 1);
    // and the person's old session is dead everywhere
    const viewer = await person.client.request('{ viewer { id } }');
    expect(viewer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
