import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../platform/demo.ts';
import { loginDemo, registerUser } from '../helpers/accounts.ts';
import { STACK_START_TIMEOUT_MS } from './helpers.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { ADD_ADDRESS, DEACTIVATE, LOGIN, NEEDS_VIEWER, REFRESH, REGISTER, VIEWER, address, callSubgraph, codeOf } from './helpers.ts';

const ADMIN = { ADMIN_EMAIL: 'root@marketplace.test', ADMIN_PASSWORD: 'Admin-Password-2026' };

describe('deactivating an account', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ seed: true, env: ADMIN });
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  const internal = (op: string, input: unknown) =>
    fetch(t.stack.urls.users.replace(/\/graphql$/, `/internal/${op}`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-subgraph-secret': t.stack.secret },
      body: JSON.stringify(input),
    }).then((r) => r.json());

  it('needs the right password and the account email typed again, changing nothing otherwise', async () => {
    const a = await registerUser(t.client);
    const wrongPw = await a.client.data(DEACTIVATE, { p: 'not-the-password', e: a.email });
    expect(wrongPw.deactivateAccount).toEqual({
      deactivated: false,
      userErrors: [expect.objectContaining({ code: 'INVALID_CREDENTIALS', field: ['password'] })],
    });
    const wrongEmail = await a.client.data(DEACTIVATE, { p: a.password, e: 'someone-else@example.test' });
    expect(wrongEmail.deactivateAccount.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['confirmEmail'] })]);
    expect((await a.client.data(VIEWER)).viewer.id).toBe(a.userId);
  });

  it('refuses a reason over 1000 characters with INVALID_INPUT on the reason, and the account stays', async () => {
    const a = await registerUser(t.client);
    const r = await a.client.data(DEACTIVATE, { p: a.password, e: a.email, r: 'r'.repeat(1001) });
    expect(r.deactivateAccount).toEqual({
      deactivated: false,
      userErrors: [{ code: 'INVALID_INPUT', field: ['reason'], message: 'The reason must be at most 1000 characters.' }],
    });
    expect((await a.client.data(VIEWER)).viewer.id).toBe(a.userId);
  });

  it('needs a signed-in caller', async () => {
    expect(codeOf(await t.client.request(DEACTIVATE, { p: 'x', e: 'y' }))).toBe('UNAUTHENTICATED');
  });

  it('is permanent: every session dies at once, sign-in is refused, the email can register again, the name shows as "Deleted user"', async () => {
    const a = await registerUser(t.client, { fullName: 'Leaving Soon' });
    await a.client.data(ADD_ADDRESS, { input: address() });
    const other = await t.client.data(LOGIN, { email: a.email, password: a.password });
    const r = await a.client.data(DEACTIVATE, { p: a.password, e: a.email.toUpperCase(), r: 'moving on' });
    expect(r.deactivateAccount).toEqual({ deactivated: true, userErrors: [] });

    for (const token of [a.token, other.login.accessToken]) {
      expect(codeOf(await t.client.as(token).request(VIEWER))).toBe('UNAUTHENTICATED');
      for (const name of ['users', 'catalog', 'orders'] as const) {
        expect(codeOf(await callSubgraph(t.stack.urls[name], t.stack.secret, NEEDS_VIEWER[name], token)), name).toBe('UNAUTHENTICATED');
      }
    }
    expect((await t.client.data(REFRESH, { t: other.login.refreshToken })).refreshSession.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    expect((await t.client.data(LOGIN, { email: a.email, password: a.password })).login.userErrors[0].code).toBe('INVALID_CREDENTIALS');

    const again = await t.client.data(REGISTER, { input: { email: a.email, password: 'a-new-beginning', fullName: 'New Me' } });
    expect(again.register.userErrors).toEqual([]);
    expect(again.register.viewer.id).not.toBe(a.userId);
    expect(again.register.viewer.shippingAddresses).toEqual([]);

    const profiles = await internal('profiles', { ids: [a.userId, again.register.viewer.id, 'nonsense'] });
    expect(profiles.users).toEqual(
      expect.arrayContaining([
        { id: a.userId, fullName: 'Deleted user' },
        { id: again.register.viewer.id, fullName: 'New Me' },
      ]),
    );
    expect(profiles.users).toHaveLength(2);
  });

  it('is refused with PENDING_ORDERS while the person has an order in progress', async () => {
    const buyer = await loginDemo(t.client, 'buyer');
    const products = await buyer.client.data(`{ searchProducts(first: 20) { edges { node { variants { id stock } } } } }`);
    const variant = products.searchProducts.edges.flatMap((e: any) => e.node.variants).find((v: any) => v.stock > 0);
    const cart = await buyer.client.data(`mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { userErrors { code } } }`, { v: variant.id });
    expect(cart.addToCart.userErrors).toEqual([]);
    const addressId = (await buyer.client.data(VIEWER)).viewer.shippingAddresses[0].id;
    const co = await buyer.client.data(
      `mutation($a: ID!) { checkout(input: { shippingAddressId: $a, idempotencyKey: "deactivate-test" }) { orders { id } userErrors { code } } }`,
      { a: addressId },
    );
    expect(co.checkout.orders).toHaveLength(1);
    const r = await buyer.client.data(DEACTIVATE, { p: DEMO.password, e: DEMO.buyerEmail });
    expect(r.deactivateAccount).toEqual({ deactivated: false, userErrors: [expect.objectContaining({ code: 'PENDING_ORDERS' })] });
    expect((await buyer.client.data(VIEWER)).viewer.id).toBe(DEMO.buyerId);
  });

  it('is refused, changing nothing, when the orders subgraph cannot say whether orders are pending', async () => {
    const a = await registerUser(t.client);
    await t.stack.subgraphs.orders.stop();
    const r = await a.client.data(DEACTIVATE, { p: a.password, e: a.email });
    expect(r.deactivateAccount).toEqual({ deactivated: false, userErrors: [expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' })] });
    expect((await a.client.data(VIEWER)).viewer.id).toBe(a.userId);
  });
});

describe('start-up data', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ seed: true, env: ADMIN });
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  it('has a demo buyer with one default shipping address and a demo seller, at their fixed ids', async () => {
    const buyer = await loginDemo(t.client, 'buyer');
    const v = (await buyer.client.data(VIEWER)).viewer;
    expect(v).toMatchObject({ id: DEMO.buyerId, email: DEMO.buyerEmail, fullName: 'Demo Buyer' });
    expect(v.shippingAddresses).toEqual([expect.objectContaining({ isDefault: true, country: 'US' })]);
    const seller = await loginDemo(t.client, 'seller');
    expect((await seller.client.data(VIEWER)).viewer).toMatchObject({ id: DEMO.sellerId, fullName: 'Demo Seller' });
  });

  it('creates the ADMIN_EMAIL account with the admin role in its token', async () => {
    const r = await t.client.data(LOGIN, { email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD });
    expect(r.login.userErrors).toEqual([]);
    const claims = JSON.parse(Buffer.from(r.login.accessToken.split('.')[1], 'base64url').toString());
    expect(claims.roles).toContain('admin');
  });

  it("offers other subgraphs a person's shipping address, and nobody else's", async () => {
    const buyer = await loginDemo(t.client, 'buyer');
    const addressId = (await buyer.client.data(VIEWER)).viewer.shippingAddresses[0].id;
    const call = (input: unknown) =>
      fetch(t.stack.urls.users.replace(/\/graphql$/, '/internal/shippingAddress'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-subgraph-secret': t.stack.secret },
        body: JSON.stringify(input),
      }).then((r) => r.json());
    expect((await call({ userId: DEMO.buyerId, addressId })).address).toMatchObject({ recipientName: 'Demo Buyer', country: 'US' });
    expect(await call({ userId: DEMO.sellerId, addressId })).toEqual({ address: null });
    expect(await call({ userId: 'x', addressId: 'y' })).toEqual({ address: null });
  });
});
