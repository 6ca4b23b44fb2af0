/**
 * An orders process dies (kill -9) or freezes (SIGSTOP) in the middle of a
 * checkout: catalog has reserved the stock of both store orders and promotions
 * has redeemed the coupon, and the process never answers. Through the gateway:
 * a retry with the same key answers at once, the stock and the coupon come
 * back, and after the lease the retry completes the checkout exactly once.
 *
 * The dying orders instance is a separate process on the test's PostgreSQL
 * database, reaching catalog through a proxy that tells the test when catalog
 * has answered the second reservation; the test stack's own orders instance
 * survives it. PostgreSQL only: a second process cannot share PGlite.
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerBuyer, type Buyer } from '../helpers/accounts.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/checkout-faults.ts';
import { startExtraGateway, type ExtraGateway } from '../helpers/gateway.ts';
import { M, addToCart, eventually, expectOk, shop, stockOf, type Shop } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import type { GraphQLClient } from '../helpers/client.ts';
import { freePort } from '../helpers/net.ts';
import { Processes, processEnv } from '../helpers/processes.ts';

const LEASE_S = 12;

let t: TestStack;
let proxy: FaultProxy;
const procs = new Processes();
const gateways: ExtraGateway[] = [];

/** An orders process of its own, reaching catalog through the proxy, behind a gateway of its own. */
async function ordersProcess(): Promise<{ child: ChildProcess; gateway: ExtraGateway }> {
  const port = await freePort();
  const env = processEnv({
    DATABASE_URL: t.databaseUrl!,
    DATABASE_POOL_MAX: '4',
    SUBGRAPH_SECRET: t.stack.secret,
    AUTH_PRIVATE_KEY: t.keys.privatePem!,
    LOG_LEVEL: 'silent',
    ORDERS_PORT: String(port),
    CHECKOUT_LEASE_S: String(LEASE_S),
  });
  for (const [name, url] of Object.entries(t.stack.urls)) env[`${name.toUpperCase()}_URL`] = url;
  env.CATALOG_URL = proxy.url;
  env.ORDERS_URL = `http://127.0.0.1:${port}/graphql`;
  const child = procs.start(['subgraphs/index.ts', 'orders'], env);
  await procs.ready(child, `http://127.0.0.1:${port}/health`);
  const gateway = await startExtraGateway(t, { urls: { orders: env.ORDERS_URL }, env: { SUBGRAPH_TIMEOUT_MS: '60000' } });
  gateways.push(gateway);
  return { child, gateway };
}

function checkoutRequest(via: GraphQLClient, b: Buyer, input: Record<string, unknown>) {
  return via.as(b.token).request<{ checkout: any }>(M.checkout, { input: { shippingAddressId: b.addressId, ...input } });
}

async function sellerCoupon(s: Shop): Promise<string> {
  const code = `K${crypto.randomBytes(5).toString('hex')}`.toUpperCase();
  await expectOk(
    s.seller.client,
    `mutation($input: CreateCouponInput!) { createCoupon(input: $input) { coupon { id } userErrors { field code message } } }`,
    {
      input: {
        kind: 'SELLER',
        storeId: s.storeId,
        code,
        title: 'Store coupon',
        amountOff: '2.00',
        minOrderAmount: '0',
        expiresAt: new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString(),
      },
    },
    'createCoupon',
  );
  return code;
}

const couponStatus = async (b: Buyer, code: string) =>
  (await b.client.data<any>(`{ viewer { coupons { status coupon { code } } } }`)).viewer.coupons.find((c: any) => c.coupon.code === code)?.status;
const orderCount = async (b: Buyer) => (await b.client.data<any>(`{ viewer { orders { totalCount } } }`)).viewer.orders.totalCount;

/** Two stores in the cart, a coupon of the first: after the second reservation, the orders process is at the mercy of the test. */
async function scene() {
  const [a, b] = [await shop(t), await shop(t)];
  const buyer = await registerBuyer(t.client);
  const code = await sellerCoupon(a);
  await expectOk(
    buyer.client,
    `mutation($code: String) { claimCoupon(code: $code) { userCoupon { status } userErrors { field code message } } }`,
    { code },
    'claimCoupon',
  );
  await addToCart(buyer.client, a.variantId, 1);
  await addToCart(buyer.client, b.variantId, 1);
  return { a, b, buyer, code, key: crypto.randomUUID() };
}

describe.skipIf(!onPostgres)('an orders process dying mid-checkout (PostgreSQL: separate processes)', () => {
  beforeAll(async () => {
    t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '60000' } });
    proxy = await startFaultProxy(t.stack.urls.catalog);
  }, 240_000);
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.stop();
    await procs.stop('SIGKILL');
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.stop();
  }, 60_000);

  it('after a kill -9 between reserving and committing: the retry answers at once, stock and coupon come back, and the retry then completes the checkout exactly once', async () => {
    const { a, b, buyer, code, key } = await scene();
    const { child, gateway } = await ordersProcess();
    const second = proxy.hold('reserveStock', { nth: (proxy.counts.reserveStock ?? 0) + 2, after: 'answer' });
    const dying = checkoutRequest(gateway.client, buyer, { idempotencyKey: key, couponCodes: [code] });
    await second.arrived; // catalog reserved both store orders; the coupon is redeemed
    expect(await stockOf(t, a.productId)).toBe(99);
    expect(await stockOf(t, b.productId)).toBe(99);
    expect(await couponStatus(buyer, code)).toBe('USED');
    await procs.kill(child);
    second.release();
    expect((await dying).errors?.length).toBeGreaterThan(0); // the buyer saw the request fail

    // the buyer retries through a gateway with the usual 5 s subgraph timeout; another orders instance answers
    const g5 = await startExtraGateway(t, { env: { SUBGRAPH_TIMEOUT_MS: '5000' } });
    gateways.push(g5);
    const early = await checkoutRequest(g5.client, buyer, { idempotencyKey: key, couponCodes: [code] });
    expect(early.errors).toBeUndefined();
    expect(early.data!.checkout).toEqual({
      orders: [],
      userErrors: [
        { field: ['input', 'idempotencyKey'], code: 'INVALID_STATE', message: 'A checkout with this idempotency key is still in progress; try again shortly.' },
      ],
    });

    // nobody retries for a while: once the dead attempt's lease is over, what it took comes back
    await eventually(
      async () => {
        expect(await stockOf(t, a.productId)).toBe(100);
        expect(await stockOf(t, b.productId)).toBe(100);
        expect(await couponStatus(buyer, code)).toBe('AVAILABLE');
      },
      (LEASE_S + 30) * 1000,
    );
    expect(await orderCount(buyer)).toBe(0);

    const done = await checkoutRequest(t.client, buyer, { idempotencyKey: key, couponCodes: [code] });
    expect(done.errors).toBeUndefined();
    expect(done.data!.checkout.userErrors).toEqual([]);
    expect(done.data!.checkout.orders).toHaveLength(2);
    const again = await checkoutRequest(t.client, buyer, { idempotencyKey: key, couponCodes: [code] });
    expect(again.data!.checkout.orders.map((o: any) => o.id)).toEqual(done.data!.checkout.orders.map((o: any) => o.id));
    expect(await orderCount(buyer)).toBe(2);
    expect(await stockOf(t, a.productId)).toBe(99);
    expect(await stockOf(t, b.productId)).toBe(99);
    expect(await couponStatus(buyer, code)).toBe('USED');
    await eventually(async () => expect((await buyer.client.data<any>(`{ viewer { cart { lines { id } } } }`)).viewer.cart.lines).toEqual([]));
  }, 240_000);

  it('after a frozen process’s lease runs out, the retry takes its key over and completes once, and the thawed process can no longer complete', async () => {
    const { a, b, buyer, code, key } = await scene();
    const { child, gateway } = await ordersProcess();
    const second = proxy.hold('reserveStock', { nth: (proxy.counts.reserveStock ?? 0) + 2, after: 'answer' });
    const frozen = checkoutRequest(gateway.client, buyer, { idempotencyKey: key, couponCodes: [code] });
    await second.arrived;
    child.kill('SIGSTOP');

    // the retry keeps answering "in progress" until the lease is over, then takes over and completes
    const done = await eventually(
      async () => {
        const r = await checkoutRequest(t.client, buyer, { idempotencyKey: key, couponCodes: [code] });
        expect(r.data!.checkout.userErrors).toEqual([]);
        return r.data!.checkout;
      },
      (LEASE_S + 30) * 1000,
    );
    expect(done.orders).toHaveLength(2);
    expect(done.orders.find((o: any) => o.store.id === a.storeId).couponCodes).toEqual([code]);

    // the frozen process wakes up and gets catalog's old answer: it must not create orders of its own
    child.kill('SIGCONT');
    second.release();
    const late = await frozen;
    expect(late.data?.checkout?.orders ?? []).toEqual([]);
    const again = await checkoutRequest(t.client, buyer, { idempotencyKey: key, couponCodes: [code] });
    expect(again.data!.checkout.orders.map((o: any) => o.id).sort()).toEqual(done.orders.map((o: any) => o.id).sort());
    expect(await orderCount(buyer)).toBe(2);
    await eventually(async () => {
      expect(await stockOf(t, a.productId)).toBe(99);
      expect(await stockOf(t, b.productId)).toBe(99);
    }, 30_000);
    expect(await couponStatus(buyer, code)).toBe('USED');
  }, 240_000);
});
