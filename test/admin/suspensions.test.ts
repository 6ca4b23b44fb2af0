import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ENV, auditEntryFor, errorCode, loginAdmin, REINSTATE_STORE, REINSTATE_USER, SUSPEND_STORE, SUSPEND_USER } from '../helpers/admin.ts';
import { login, registerBuyer, registerUser, type Account, type Buyer } from '../helpers/accounts.ts';
import { PATIENT_GATEWAY } from '../helpers/messaging.ts';
import { addToCart, eventually, expectOk, M, pay, shop, stockOf } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/subscriptions.ts';

const ERR = 'userErrors { field code message }';

function checkout(b: Buyer) {
  return b.client
    .data<{ checkout: any }>(M.checkout, { input: { shippingAddressId: b.addressId, idempotencyKey: crypto.randomUUID() } })
    .then((d) => d.checkout);
}

describe('admins suspending stores and people', { timeout: 120_000 }, () => {
  let t: TestStack;
  let admin: Account;

  beforeAll(async () => {
    t = await startTestStack({ env: { ...ADMIN_ENV, ...PATIENT_GATEWAY } });
    admin = await loginAdmin(t);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  const storeHits = async (storeId: string, query?: string) =>
    (
      await t.client.data(`query($s: ID!, $q: String) { searchProducts(storeId: $s, query: $q, first: 100) { edges { node { id } } } }`, {
        s: storeId,
        q: query,
      })
    ).searchProducts.edges.length as number;

  it('a suspended store leaves search and cannot sell or add products; its open orders are still shipped and refunded; reinstated, it sells again', async () => {
    const s = await shop(t, { stock: 50 });
    const buyer = await registerBuyer(t.client);
    const orderIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      await addToCart(buyer.client, s.variantId, 1);
      const placed = await checkout(buyer);
      expect(placed.userErrors).toEqual([]);
      orderIds.push(placed.orders[0].id);
    }
    expect((await pay(buyer, orderIds)).userErrors).toEqual([]);
    await addToCart(buyer.client, s.variantId, 2);
    expect(await storeHits(s.storeId, 'lamp')).toBe(1);

    const r = await admin.client.data(SUSPEND_STORE, { id: s.storeId, reason: 'Selling counterfeit lamps' });
    expect(r.suspendStore).toEqual({ store: { id: s.storeId, suspended: true }, userErrors: [] });

    expect(await storeHits(s.storeId)).toBe(0);
    expect(await storeHits(s.storeId, 'lamp')).toBe(0);
    const refused = await checkout(buyer);
    expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'STORE_SUSPENDED', field: ['input', 'lineIds'] })]);
    expect(refused.userErrors[0].message).toMatch(/suspended/);
    expect(await stockOf(t, s.productId)).toBe(48);

    const cats = await t.client.data(`{ categories { id } }`);
    const created = await s.seller.client.data(`mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } ${ERR} } }`, {
      input: {
        storeId: s.storeId,
        title: 'Another lamp',
        description: 'More of the same',
        categoryId: cats.categories[0].id,
        variants: [{ sku: 'LAMP-2', options: [], price: '5.00', stock: 3 }],
      },
    });
    expect(created.createProduct).toEqual({ product: null, userErrors: [expect.objectContaining({ code: 'STORE_SUSPENDED' })] });
    const changed = await s.seller.client.data(`mutation($v: ID!) { updateVariant(variantId: $v, input: { price: "1.00" }) { product { id } ${ERR} } }`, {
      v: s.variantId,
    });
    expect(changed.updateVariant.userErrors).toEqual([expect.objectContaining({ code: 'STORE_SUSPENDED' })]);
    // nor change its products or the store (the seller tools refuse as createProduct does)
    const archived = await s.seller.client.data(`mutation($p: ID!) { archiveProduct(productId: $p) { product { id } ${ERR} } }`, { p: s.productId });
    expect(archived.archiveProduct.userErrors).toEqual([expect.objectContaining({ code: 'STORE_SUSPENDED' })]);
    const renamed = await s.seller.client.data(`mutation($s: ID!) { updateStore(storeId: $s, input: { description: "Still here" }) { store { id } ${ERR} } }`, {
      s: s.storeId,
    });
    expect(renamed.updateStore.userErrors).toEqual([expect.objectContaining({ code: 'STORE_SUSPENDED', field: ['storeId'] })]);

    // the orders placed before go on: one shipped, the other cancelled with its payment refunded and its stock back
    const shipped = await expectOk(s.seller.client, M.ship, { id: orderIds[0], tn: 'TRACK-SUSPENDED-1' }, 'shipOrder');
    expect(shipped.order.status).toBe('UNCONFIRMED_DELIVERY');
    const cancelled = await expectOk(buyer.client, M.cancel, { id: orderIds[1], reason: 'Store suspended' }, 'cancelOrder');
    expect(cancelled.order.status).toBe('CANCELLED');
    await eventually(async () => expect(await stockOf(t, s.productId)).toBe(49));

    const again = await admin.client.data(SUSPEND_STORE, { id: s.storeId, reason: 'Twice' });
    expect(again.suspendStore.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', field: ['storeId'] })]);

    const back = await admin.client.data(REINSTATE_STORE, { id: s.storeId, reason: 'Proved the lamps are genuine' });
    expect(back.reinstateStore).toEqual({ store: { id: s.storeId, suspended: false }, userErrors: [] });
    expect(await storeHits(s.storeId, 'lamp')).toBe(1);
    const bought = await checkout(buyer);
    expect(bought.userErrors).toEqual([]);
    expect(await stockOf(t, s.productId)).toBe(47);

    const suspended = await auditEntryFor(admin, 'SUSPEND_STORE', s.storeId);
    expect(suspended).toMatchObject({ actorId: admin.userId, actorEmail: ADMIN_ENV.ADMIN_EMAIL, targetType: 'STORE', reason: 'Selling counterfeit lamps' });
    expect(await auditEntryFor(admin, 'REINSTATE_STORE', s.storeId)).toMatchObject({ reason: 'Proved the lamps are genuine' });
  });

  it('a suspended person is signed out everywhere at once (open websocket closed, tokens refused) and cannot sign in until reinstated', async () => {
    const p = await registerUser(t.client);
    const other = await login(t.client, p.email, p.password);
    const q = await p.client.data(`mutation($p: String!) { setSecurityQuestion(password: $p, question: "First pet?", answer: "Rex") { ${ERR} } }`, {
      p: p.password,
    });
    expect(q.setSecurityQuestion.userErrors).toEqual([]);
    let acked = false;
    const ws = connect(t, p.token, { on: { connected: () => (acked = true) } });
    const sub = subscribe(ws, `subscription { messageAdded { id } }`);
    await eventually(async () => expect(acked).toBe(true));

    const r = await admin.client.data(SUSPEND_USER, { id: p.userId, reason: 'Abusive messages' });
    expect(r.suspendUser).toEqual({ userId: p.userId, suspended: true, userErrors: [] });

    for (const token of [p.token, other.token]) {
      expect(errorCode(await t.client.as(token).request(`{ viewer { id } }`))).toBe('UNAUTHENTICATED');
      expect(errorCode(await t.client.as(token).request(`{ viewer { cart { id } } }`))).toBe('UNAUTHENTICATED');
    }
    await sub.ended(10_000);
    await eventually(async () => expect(ws.closes[0]).toEqual({ code: 4403, reason: 'Session revoked' }));
    await ws.dispose();

    const signIn = await t.client.data(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken ${ERR} } }`, {
      e: p.email,
      p: p.password,
    });
    expect(signIn.login).toEqual({ accessToken: null, userErrors: [expect.objectContaining({ code: 'ACCOUNT_SUSPENDED' })] });
    const refresh = await t.client.data(`mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken ${ERR} } }`, { r: other.refreshToken });
    expect(refresh.refreshSession.accessToken).toBeNull();
    const reset = await t.client.data(
      `mutation($e: String!) { resetPasswordWithSecurityAnswer(email: $e, answer: "rex", newPassword: "a-brand-new-password") { accessToken ${ERR} } }`,
      { e: p.email },
    );
    expect(reset.resetPasswordWithSecurityAnswer).toEqual({ accessToken: null, userErrors: [expect.objectContaining({ code: 'ACCOUNT_SUSPENDED' })] });
    // a wrong password still says only INVALID_CREDENTIALS: the suspension is told to the account's holder alone
    const wrong = await t.client.data(`mutation($e: String!) { login(email: $e, password: "not-the-password") { ${ERR} } }`, { e: p.email });
    expect(wrong.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');

    const twice = await admin.client.data(SUSPEND_USER, { id: p.userId, reason: 'Again' });
    expect(twice.suspendUser.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
    const back = await admin.client.data(REINSTATE_USER, { id: p.userId, reason: 'Apologised' });
    expect(back.reinstateUser).toEqual({ userId: p.userId, suspended: false, userErrors: [] });
    const again = await login(t.client, p.email, p.password);
    expect((await again.client.data(`{ viewer { id } }`)).viewer.id).toBe(p.userId);

    expect(await auditEntryFor(admin, 'SUSPEND_USER', p.userId)).toMatchObject({ actorId: admin.userId, targetType: 'USER', reason: 'Abusive messages' });
    expect(await auditEntryFor(admin, 'REINSTATE_USER', p.userId)).toMatchObject({ reason: 'Apologised' });
  });

  it.skipIf(!onPostgres)(
    'a suspension racing checkouts (PostgreSQL): each checkout is placed (its stock taken before the suspension) or refused with STORE_SUSPENDED, and the stock adds up',
    async () => {
      const s = await shop(t, { stock: 100 });
      const buyers = await Promise.all(Array.from({ length: 8 }, () => registerBuyer(t.client)));
      for (const b of buyers) await addToCart(b.client, s.variantId, 2);
      const checkouts = buyers.map((b) => checkout(b));
      const suspension = admin.client.data(SUSPEND_STORE, { id: s.storeId, reason: 'Race' });
      const results = await Promise.all(checkouts);
      expect((await suspension).suspendStore.userErrors).toEqual([]);

      const placed = results.filter((r) => r.userErrors.length === 0);
      const refused = results.filter((r) => r.userErrors.length > 0);
      for (const r of placed) expect(r.orders).toHaveLength(1);
      for (const r of refused) expect(r.userErrors.map((e: { code: string }) => e.code)).toEqual(['STORE_SUSPENDED']);
      expect(placed.length + refused.length).toBe(8);
      // refused checkouts took nothing (or gave it back); placed ones keep theirs
      await eventually(async () => expect(await stockOf(t, s.productId)).toBe(100 - 2 * placed.length));
      // and after the race, nobody buys
      await addToCart(buyers[0].client, s.variantId, 1).catch(() => undefined);
      expect((await checkout(buyers[0])).userErrors[0].code).toBe('STORE_SUSPENDED');
    },
    120_000,
  );
});
