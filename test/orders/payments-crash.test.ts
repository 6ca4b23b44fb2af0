/**
 * kill -9 of the orders process after the provider charged and before the
 * payment was recorded. The orders subgraph and the gateway run as separate
 * processes (as in test/federation/processes.test.ts). The kill is placed
 * without any hook in the product: the test holds a lock on
 * orders.status_history, which the recording transaction writes after it
 * settled the payment and moved the order; so the process is stuck right
 * there, with the provider's charge made (orders.test_provider_charges) and
 * nothing committed. Then kill -9, the lock goes, and the dead process's
 * transaction is rolled back by PostgreSQL.
 *
 * Twice: with the built-in test provider (its charges in
 * orders.test_provider_charges) and with the Stripe adapter, whose SDK talks
 * to a local stand-in this test starts (test/helpers/stripe-standin.ts).
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys, TokenSigner } from '../../platform/auth.ts';
import { createDatabase, dropDatabase, openDatabase, type Database } from '../../platform/db.ts';
import * as q from '../../subgraphs/orders/db/queries/index.ts';
import { recordStatusChanges } from '../../subgraphs/orders/service/common.ts';
import { GraphQLClient } from '../helpers/client.ts';
import { eventually, M, ORDER_QUERY } from '../helpers/orders.ts';
import { onPostgres } from '../helpers/stack.ts';
import { freePort } from '../helpers/net.ts';
import { Processes, processEnv } from '../helpers/processes.ts';
import { StripeStandIn } from '../helpers/stripe-standin.ts';

const LEASE_S = 3;

describe.skipIf(!onPostgres).each([{ provider: 'test' }, { provider: 'stripe' }])(
  'a payment whose orders process is killed -9 between the charge and its record ($provider provider; PostgreSQL, separate processes)',
  ({ provider }) => {
    const procs = new Processes();
    let dbName: string;
    let databaseUrl: string;
    let env: Record<string, string>;
    let ordersPort: number;
    let orders: ChildProcess;
    let db: Database;
    let admin: postgres.Sql;
    let buyer: { userId: string; client: GraphQLClient };
    const sellerId = crypto.randomUUID();
    let stripe: StripeStandIn | undefined;

    /** The provider's successful charges of `amount`, as the provider itself records them: [{ key, reference }]. */
    const charges = async (amount: number): Promise<{ key: string; reference: string }[]> => {
      if (stripe)
        return stripe
          .succeeded()
          .filter((pi) => pi.amount === amount)
          .map((pi) => ({ key: pi.metadata.payment_id, reference: pi.id }));
      const rows = await admin<{ key: string; reference: string }[]>`
      select idempotency_key as key, reference from orders.test_provider_charges where status = 'SUCCEEDED' and amount = ${amount}`;
      return [...rows];
    };
    const refunds = async (): Promise<number> => (stripe ? stripe.refunds.size : (await admin`select 1 from orders.test_provider_refunds`).length);

    const startOrders = async () => {
      orders = procs.start(['subgraphs/index.ts', 'orders'], env);
      await procs.ready(orders, `http://127.0.0.1:${ordersPort}/health`);
    };

    beforeAll(async () => {
      dbName = `mg_paycrash_${crypto.randomBytes(5).toString('hex')}`;
      databaseUrl = await createDatabase(process.env.DATABASE_URL!, dbName);
      const keys = generateKeys();
      ordersPort = await freePort();
      const gatewayPort = await freePort();
      env = processEnv({
        DATABASE_URL: databaseUrl,
        SUBGRAPH_SECRET: crypto.randomBytes(24).toString('base64url'),
        AUTH_PRIVATE_KEY: keys.privatePem!,
        PORT: String(gatewayPort),
        ORDERS_PORT: String(ordersPort),
        ORDERS_URL: `http://127.0.0.1:${ordersPort}/graphql`,
        PAYMENT_CLAIM_LEASE_S: String(LEASE_S),
        ORDER_SWEEP_INTERVAL_MS: '200',
      });
      // the other subgraphs are not started: their addresses lead nowhere (never to another test's servers)
      for (const n of ['users', 'catalog', 'messaging', 'promotions']) env[`${n.toUpperCase()}_URL`] = 'http://127.0.0.1:9/graphql';
      if (provider === 'stripe') {
        stripe = await StripeStandIn.start();
        Object.assign(env, {
          PAYMENT_PROVIDER: 'stripe',
          STRIPE_SECRET_KEY: 'sk_test_standin',
          STRIPE_WEBHOOK_SECRET: 'whsec_standin',
          STRIPE_API_BASE: stripe.url,
        });
      }
      // payOrders needs only the orders subgraph behind the gateway
      await startOrders();
      procs.start(['gateway/index.ts'], env);
      db = await openDatabase({ url: databaseUrl, name: 'payments-crash-test', max: 2 });
      admin = postgres(databaseUrl, { max: 3, onnotice: () => {} });
      const userId = crypto.randomUUID();
      const { token } = await new TokenSigner(keys, 3600).sign({ userId, sessionId: crypto.randomUUID(), roles: [] });
      buyer = { userId, client: new GraphQLClient(`http://127.0.0.1:${gatewayPort}/graphql`, token) };
      await eventually(async () => expect((await buyer.client.request('{ __typename }')).data).toEqual({ __typename: 'Query' }), 60_000);
    }, 180_000);

    afterAll(async () => {
      await procs.stop();
      await admin?.end();
      await db?.close();
      await stripe?.stop();
      if (dbName) await dropDatabase(process.env.DATABASE_URL!, dbName);
    });

    /** An order awaiting payment, written into the orders database (as test/helpers/orders.ts placedOrder does). */
    async function placedOrder(total: number): Promise<q.OrderRow> {
      const id = crypto.randomUUID();
      const now = new Date();
      return db.drizzle.transaction(async (tx) => {
        const row = await q.insertOrder(tx, {
          id,
          buyerId: buyer.userId,
          storeId: crypto.randomUUID(),
          sellerId,
          storeName: 'Fixture store',
          checkoutKey: `fixture-${id}`,
          reservationKey: `fixture:${id}`,
          address: {
            recipientName: 'Ada Buyer',
            phone: '+1 555 0100',
            country: 'US',
            province: 'CA',
            city: 'Springfield',
            street: '1 Main St',
            postalCode: '90210',
          },
          shippingMethod: 'STANDARD',
          subtotal: total,
          shippingCost: 0,
          discount: 0,
          total,
          couponCodes: [],
          paymentDeadline: new Date(now.getTime() + 86400_000),
          createdAt: now,
          lines: [
            {
              productId: crypto.randomUUID(),
              variantId: crypto.randomUUID(),
              title: 'Fixture product',
              options: [],
              quantity: 1,
              unitPrice: total,
              subtotal: total,
            },
          ],
        });
        await recordStatusChanges(tx, [row], 'Order placed', now);
        return row;
      });
    }

    it('comes back with the payment SUCCEEDED, charged exactly once, the order paid once, and the same key answering that payment', async () => {
      const o = await placedOrder(7700);
      const key = `crash-${o.id}`;

      // hold the table the recording transaction writes last
      const lock = await admin.reserve();
      await lock`begin`;
      await lock`lock table orders.status_history in exclusive mode`;
      const token = stripe ? 'pm_card_visa' : 'tok_visa';
      const inFlight = buyer.client.request(M.pay, { ids: [o.id], token, key }).catch((err: unknown) => ({ failed: String(err) }));

      // the provider has charged, and the orders process waits on our lock inside its recording transaction
      const payment = await eventually(async () => {
        const [p] = await admin<{ id: string }[]>`select id from orders.payments where key = ${key}`;
        const charged = (await charges(7700)).filter((c) => c.key === p?.id);
        expect(charged).toHaveLength(1);
        return { id: p.id, reference: charged[0].reference };
      }, 30_000);
      await eventually(async () => {
        const waiting = await admin`select 1 from pg_locks where not granted and relation = 'orders.status_history'::regclass`;
        expect(waiting.length).toBeGreaterThan(0);
      }, 30_000);

      await procs.kill(orders);
      await lock`rollback`;
      lock.release();
      const answer = (await inFlight) as { data?: any; errors?: unknown[]; failed?: string };
      expect(answer.data?.payOrders ?? null).toBeNull(); // the client got an error, not a payment

      // nothing of the record was committed: the payment is still PENDING with its lease, the order unpaid
      const [pending] = await admin`select state from orders.payments where id = ${payment.id}`;
      expect(pending.state).toBe('PENDING');
      const [unpaid] = await admin`select status, paying_payment_id from orders.orders where id = ${o.id}`;
      expect(unpaid).toEqual({ status: 'PAYMENT_REQUIRED', paying_payment_id: payment.id });

      await startOrders();
      // after the lease, the restarted process asks the provider by the payment's key and records the charge
      const paid = await eventually(async () => {
        const got = (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id: o.id })).order;
        expect(got.status).toBe('SHIPMENT_REQUIRED');
        return got;
      }, 60_000);
      expect(paid.statusHistory.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
      const [settled] = await admin`select state, provider_ref from orders.payments where id = ${payment.id}`;
      expect(settled).toEqual({ state: 'SUCCEEDED', provider_ref: payment.reference });
      expect(await charges(7700)).toHaveLength(1);
      expect(await refunds()).toBe(0);

      const retry = (await buyer.client.data<{ payOrders: any }>(M.pay, { ids: [o.id], token, key })).payOrders;
      expect(retry.userErrors).toEqual([]);
      expect(retry.payment).toMatchObject({ id: payment.id, status: 'SUCCEEDED', amount: { amount: '77.00' } });
      const other = (await buyer.client.data<{ payOrders: any }>(M.pay, { ids: [o.id], token, key: crypto.randomUUID() })).payOrders;
      expect(other.userErrors[0].code).toBe('INVALID_STATE');
      expect(await charges(7700)).toHaveLength(1);
    }, 240_000);
  },
);
