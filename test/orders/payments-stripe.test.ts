/**
 * The Stripe adapter (PAYMENT_PROVIDER=stripe): the real `stripe` SDK, pointed
 * by STRIPE_API_BASE at a local stand-in this test starts
 * (test/helpers/stripe-standin.ts), which answers Stripe's documented shapes.
 * Webhooks are signed with the SDK's own test helper and posted to the
 * gateway's `/webhooks/stripe`, as Stripe would. What was charged is read from
 * the stand-in, never from the orders' view of it.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../platform/db.ts';
import * as q from '../../subgraphs/orders/db/queries/index.ts';
import { StripePaymentProvider } from '../../subgraphs/orders/payments/stripe.ts';
import { registerUserWithRetry, type Account } from '../helpers/accounts.ts';
import { PATIENT_GATEWAY } from '../helpers/messaging.ts';
import { eventually, M, ORDER_QUERY, placedOrder } from '../helpers/orders.ts';
import { payWith, postWebhook, raiseSecurityLevel, saveMethod, transactions } from '../helpers/payments.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { StripeStandIn } from '../helpers/stripe-standin.ts';

const WEBHOOK_SECRET = `whsec_${crypto.randomBytes(16).toString('hex')}`;
const LEASE_S = 30;
const ACTION_S = 600;

async function sql<T = Record<string, unknown>>(t: TestStack, text: string): Promise<T[]> {
  return rowsOf<T>(await t.stack.subgraphs.orders.db.drizzle.execute(text as never));
}

async function startStripeStack(stripe: StripeStandIn): Promise<TestStack> {
  return startTestStack({
    env: {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_standin',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
      STRIPE_RETURN_URL: 'https://shop.example/payments/return',
      PAYMENT_CLAIM_LEASE_S: String(LEASE_S),
      PAYMENT_ACTION_TIMEOUT_S: String(ACTION_S),
      ORDER_SWEEP_INTERVAL_MS: '50',
      ...PATIENT_GATEWAY,
    },
  });
}

describe('payments through Stripe (the SDK against a local stand-in)', { timeout: 120_000 }, () => {
  let stripe: StripeStandIn;
  let t: TestStack;
  let buyer: Account;
  let seller: Account;
  /** The adapter itself, on the same database, to set up what a dead attempt leaves. */
  let adapter: StripePaymentProvider;
  beforeAll(async () => {
    stripe = await StripeStandIn.start();
    t = await startStripeStack(stripe);
    [buyer, seller] = await Promise.all([registerUserWithRetry(t.client), registerUserWithRetry(t.client)]);
    await raiseSecurityLevel(buyer); // saving a method needs MEDIUM
    adapter = new StripePaymentProvider(t.stack.subgraphs.orders.db.drizzle, {
      secretKey: 'sk_test_standin',
      webhookSecret: WEBHOOK_SECRET,
      apiBase: stripe.url,
    });
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
    await stripe?.stop();
  });

  const order = async (id: string) => (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id })).order;
  const webhook = (type: string, object: Record<string, unknown>, opts: { id?: string; timestamp?: number } = {}) => {
    const w = stripe.webhook(type, object, WEBHOOK_SECRET, opts);
    return { ...w, post: () => postWebhook(t.url, 'stripe', w.payload, w.signature) };
  };

  it('charges with a PaymentIntent whose idempotency keys derive from the payment id, and answers a retry with the same key from the first charge', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 4321 });
    const key = crypto.randomUUID();
    const p = await payWith(buyer, [o.id], { token: 'pm_card_visa' }, key);
    expect(p.userErrors).toEqual([]);
    expect(p.payment).toMatchObject({ status: 'SUCCEEDED', amount: { amount: '43.21' }, nextActionUrl: null });
    expect(p.orders[0].status).toBe('SHIPMENT_REQUIRED');
    const [intent] = stripe.succeeded(p.payment.id);
    expect(intent).toMatchObject({ amount: 4321, currency: 'usd', metadata: { payment_id: p.payment.id }, payment_method_types: ['card'] });
    const [payment] = await sql(t, `select provider_ref from orders.payments where id = '${p.payment.id}'`);
    expect(payment.provider_ref).toBe(intent.id);
    const again = await payWith(buyer, [o.id], { token: 'pm_card_visa' }, key);
    expect(again.payment.id).toBe(p.payment.id);
    expect(stripe.succeeded(p.payment.id)).toHaveLength(1);
    expect([...stripe.intents.values()].filter((pi) => pi.metadata.payment_id === p.payment.id)).toHaveLength(1);
  });

  it('answers a declined card with PAYMENT_DECLINED and an unknown PaymentMethod with INVALID_INPUT, charges nothing, and then pays with a good card', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 2500 });
    const declined = await payWith(buyer, [o.id], { token: 'pm_card_chargeDeclined' });
    expect(declined.userErrors).toEqual([expect.objectContaining({ code: 'PAYMENT_DECLINED', message: 'Your card was declined.' })]);
    const unknown = await payWith(buyer, [o.id], { token: 'pm_nonsense' });
    expect(unknown.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT' })]);
    const paypal = await payWith(buyer, [o.id], { method: 'CARD', token: 'pm_paypal' });
    expect(paypal.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT' })]);
    expect((await order(o.id)).status).toBe('PAYMENT_REQUIRED');
    const ok = await payWith(buyer, [o.id], { token: 'pm_card_visa' });
    expect(ok.userErrors).toEqual([]);
    const charged = [...stripe.intents.values()].filter((pi) => pi.status === 'succeeded' && pi.amount === 2500);
    expect(charged).toHaveLength(1);
  });

  it('surfaces 3-D Secure as REQUIRES_ACTION with the redirect URL, and pays the order once when the signed webhook arrives, however often it is delivered', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 3000 });
    const key = crypto.randomUUID();
    const p = await payWith(buyer, [o.id], { token: 'pm_card_authenticationRequired' }, key);
    expect(p.userErrors).toEqual([]);
    expect(p.payment.status).toBe('REQUIRES_ACTION');
    expect(p.payment.nextActionUrl).toMatch(new RegExp(`^${stripe.url}/3ds/pi_`));
    expect(p.orders[0].status).toBe('PAYMENT_REQUIRED');
    // the same key answers the same payment; another key is told a payment is in progress
    expect((await payWith(buyer, [o.id], { token: 'pm_card_authenticationRequired' }, key)).payment).toEqual(p.payment);
    const other = await payWith(buyer, [o.id], { token: 'pm_card_visa' });
    expect(other.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', message: expect.stringMatching(/already in progress/) })]);

    const [intent] = [...stripe.intents.values()].filter((pi) => pi.metadata.payment_id === p.payment.id);
    const event = webhook('payment_intent.succeeded', stripe.completeAction(intent.id, true));
    expect(await event.post()).toEqual({ status: 200, body: { received: true, duplicate: false, outcome: 'recorded' } });
    const paid = await order(o.id);
    expect(paid.status).toBe('SHIPMENT_REQUIRED');
    // delivered again (Stripe retries): answered, nothing done twice
    expect(await event.post()).toEqual({ status: 200, body: { received: true, duplicate: true, outcome: 'duplicate' } });
    expect((await order(o.id)).statusHistory.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
    expect(await sql(t, `select outcome from orders.provider_events where event_id = '${event.id}'`)).toEqual([{ outcome: 'recorded' }]);
    const settled = await payWith(buyer, [o.id], { token: 'pm_card_authenticationRequired' }, key);
    expect(settled.payment).toMatchObject({ id: p.payment.id, status: 'SUCCEEDED', nextActionUrl: null });
    expect(stripe.succeeded(p.payment.id)).toHaveLength(1);
  });

  it('refuses webhooks whose signature does not verify or is too old (a replay), and changes nothing', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 3100 });
    const p = await payWith(buyer, [o.id], { token: 'pm_card_authenticationRequired' });
    const [intent] = [...stripe.intents.values()].filter((pi) => pi.metadata.payment_id === p.payment.id);
    const done = stripe.completeAction(intent.id, true);
    const forged = stripe.webhook('payment_intent.succeeded', done, 'whsec_not_ours');
    expect((await postWebhook(t.url, 'stripe', forged.payload, forged.signature)).status).toBe(400);
    expect((await postWebhook(t.url, 'stripe', forged.payload)).status).toBe(400);
    const genuine = stripe.webhook('payment_intent.succeeded', done, WEBHOOK_SECRET);
    const tampered = genuine.payload.replace('"amount":3100', '"amount":1');
    expect((await postWebhook(t.url, 'stripe', tampered, genuine.signature)).status).toBe(400);
    const old = webhook('payment_intent.succeeded', done, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await old.post()).status).toBe(400);
    expect((await postWebhook(t.url, 'stripe', 'not json at all', 't=1,v1=00')).status).toBe(400);
    expect((await postWebhook(t.url, 'paypal', genuine.payload, genuine.signature)).status).toBe(404);
    expect((await order(o.id)).status).toBe('PAYMENT_REQUIRED');
    expect(await sql(t, `select 1 from orders.provider_events where payment_id = '${p.payment.id}'`)).toEqual([]);
    // the genuine one, fresh, is taken
    expect((await postWebhook(t.url, 'stripe', genuine.payload, genuine.signature)).body.outcome).toBe('recorded');
    expect((await order(o.id)).status).toBe('SHIPMENT_REQUIRED');
  });

  it('declines a payment whose 3-D Secure failed, closes its intent, frees the order, and lets a new key pay', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 3200 });
    const key = crypto.randomUUID();
    const p = await payWith(buyer, [o.id], { token: 'pm_card_authenticationRequired' }, key);
    const [intent] = [...stripe.intents.values()].filter((pi) => pi.metadata.payment_id === p.payment.id);
    const failed = await webhook('payment_intent.payment_failed', stripe.completeAction(intent.id, false)).post();
    expect(failed).toMatchObject({ status: 200, body: { outcome: 'declined' } });
    expect(stripe.intents.get(intent.id)!.status).toBe('canceled');
    expect((await payWith(buyer, [o.id], { token: 'pm_card_visa' }, key)).userErrors).toEqual([expect.objectContaining({ code: 'PAYMENT_DECLINED' })]);
    const ok = await payWith(buyer, [o.id], { token: 'pm_card_visa' });
    expect(ok.userErrors).toEqual([]);
    expect(ok.orders[0].status).toBe('SHIPMENT_REQUIRED');
  });

  it('abandons a payment whose buyer never completes 3-D Secure once PAYMENT_ACTION_TIMEOUT_S passes: the intent is cancelled, the order can be paid again', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 3300 });
    const p = await payWith(buyer, [o.id], { token: 'pm_card_authenticationRequired' });
    const [intent] = [...stripe.intents.values()].filter((pi) => pi.metadata.payment_id === p.payment.id);
    t.clock.advance(ACTION_S + 1);
    await eventually(async () => expect(stripe.intents.get(intent.id)!.status).toBe('canceled'));
    await eventually(async () => expect(await sql(t, `select 1 from orders.payments where id = '${p.payment.id}'`)).toEqual([]));
    const ok = await payWith(buyer, [o.id], { token: 'pm_card_visa' });
    expect(ok.userErrors).toEqual([]);
    expect(stripe.succeeded().filter((pi) => pi.amount === 3300)).toHaveLength(1);
  });

  it('refunds through Stripe: a cancelled paid order in full, and partial refunds of a charge up to what was charged', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 5000 });
    const p = await payWith(buyer, [o.id], { token: 'pm_card_visa' });
    expect((await buyer.client.data<{ cancelOrder: any }>(M.cancel, { id: o.id })).cancelOrder.userErrors).toEqual([]);
    const [intent] = stripe.succeeded(p.payment.id);
    const refund = await eventually(async () => {
      const rs = [...stripe.refunds.values()].filter((r) => r.payment_intent === intent.id);
      expect(rs).toHaveLength(1);
      return rs[0];
    });
    expect(refund).toMatchObject({ amount: 5000, status: 'succeeded' });
    await eventually(async () =>
      expect(await sql(t, `select provider_ref from orders.refunds where order_id = '${o.id}'`)).toEqual([{ provider_ref: refund.id }]),
    );
    const page = await transactions(buyer, 50);
    const mine = page.edges.map((e: any) => e.node).filter((n: any) => n.orders.some((x: any) => x.id === o.id));
    expect(mine.map((n: any) => [n.kind, n.status, n.amount.amount])).toEqual([
      ['REFUND', 'SUCCEEDED', '50.00'],
      ['PAYMENT', 'SUCCEEDED', '50.00'],
    ]);

    // partial refunds (the adapter's refund call, as a partial refund of an order would make it)
    const o2 = await placedOrder(t, buyer, seller, { total: 6000 });
    const p2 = await payWith(buyer, [o2.id], { token: 'pm_card_visa' });
    const ref = stripe.succeeded(p2.payment.id)[0].id;
    const r1 = await adapter.refund({ reference: ref, amount: 1000, idempotencyKey: `partial-1-${o2.id}` });
    const r1again = await adapter.refund({ reference: ref, amount: 1000, idempotencyKey: `partial-1-${o2.id}` });
    expect(r1again.reference).toBe(r1.reference);
    await adapter.refund({ reference: ref, amount: 4000, idempotencyKey: `partial-2-${o2.id}` });
    await expect(adapter.refund({ reference: ref, amount: 1001, idempotencyKey: `partial-3-${o2.id}` })).rejects.toThrow(/greater than unrefunded/);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === ref).map((r) => r.amount)).toEqual([1000, 4000]);
  });

  it('saves a card on the buyer’s Stripe customer (reference and display fields only) and pays with it', async () => {
    const saved = await saveMethod(buyer, 'CARD', 'pm_card_visa');
    expect(saved.userErrors).toEqual([]);
    expect(saved.savedPaymentMethod).toMatchObject({ method: 'CARD', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034, isDefault: true });
    const [row] = await sql<{ provider_ref: string; customer_ref: string }>(
      t,
      `select provider_ref, customer_ref from orders.saved_payment_methods where id = '${saved.savedPaymentMethod.id}'`,
    );
    expect(stripe.methods.get(row.provider_ref)).toMatchObject({ customer: row.customer_ref });
    expect((await saveMethod(buyer, 'PAYPAL', 'pm_card_visa')).userErrors[0].code).toBe('INVALID_INPUT');
    const o = await placedOrder(t, buyer, seller, { total: 2222 });
    const p = await payWith(buyer, [o.id], { savedPaymentMethodId: saved.savedPaymentMethod.id });
    expect(p.userErrors).toEqual([]);
    expect(stripe.succeeded(p.payment.id)[0]).toMatchObject({ customer: row.customer_ref, payment_method: row.provider_ref });
    // removed: detached from the customer
    await buyer.client.data(`mutation($id: ID!) { removePaymentMethod(id: $id) { userErrors { code } } }`, { id: saved.savedPaymentMethod.id });
    expect(stripe.methods.get(row.provider_ref)!.customer).toBeNull();
  });

  it('records the charge of an attempt that died after Stripe charged: the sweeper finds the intent by our key, nothing is charged twice', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 1999 });
    const db = t.stack.subgraphs.orders.db.drizzle;
    const dead = await db.transaction(async (tx) => {
      const c = await q.claimPayment(tx, {
        buyerId: buyer.userId,
        key: `died-${o.id}`,
        method: 'CARD',
        orderIds: [o.id],
        amount: 1999,
        leaseUntil: new Date(t.clock.now().getTime() + LEASE_S * 1000),
      });
      expect(await q.claimOrdersForPayment(tx, c!.id, buyer.userId, [o.id])).toEqual([o.id]);
      return c!;
    });
    const charged = await adapter.charge({ amount: 1999, currency: 'USD', method: 'CARD', token: 'pm_card_visa', idempotencyKey: dead.id });
    expect(charged.status).toBe('SUCCEEDED');
    t.clock.advance(LEASE_S + 1);
    await eventually(async () => expect((await order(o.id)).status).toBe('SHIPMENT_REQUIRED'));
    expect(stripe.succeeded(dead.id)).toHaveLength(1);
    const again = await payWith(buyer, [o.id], { token: 'pm_card_visa' }, `died-${o.id}`);
    expect(again.payment).toMatchObject({ id: dead.id, status: 'SUCCEEDED' });
    expect(stripe.succeeded(dead.id)).toHaveLength(1);
  });

  it('closes the key of an attempt that died before charging: the retry pays once, and the dead attempt’s late charge is cancelled', async () => {
    const o = await placedOrder(t, buyer, seller, { total: 1888 });
    const db = t.stack.subgraphs.orders.db.drizzle;
    const key = `died-early-${o.id}`;
    const dead = await db.transaction(async (tx) => {
      const c = await q.claimPayment(tx, {
        buyerId: buyer.userId,
        key,
        method: 'CARD',
        orderIds: [o.id],
        amount: 1888,
        leaseUntil: new Date(t.clock.now().getTime() + LEASE_S * 1000),
      });
      await q.claimOrdersForPayment(tx, c!.id, buyer.userId, [o.id]);
      return c!;
    });
    t.clock.advance(LEASE_S + 1);
    const retry = await payWith(buyer, [o.id], { token: 'pm_card_visa' }, key);
    expect(retry.userErrors).toEqual([]);
    expect(retry.payment.id).not.toBe(dead.id);
    // the frozen attempt wakes up and charges with its key: closed, nothing charged
    expect(await adapter.charge({ amount: 1888, currency: 'USD', method: 'CARD', token: 'pm_card_visa', idempotencyKey: dead.id })).toEqual({
      status: 'CANCELLED',
    });
    expect(stripe.succeeded(dead.id)).toEqual([]);
    expect(stripe.succeeded().filter((pi) => pi.amount === 1888)).toHaveLength(1);
  });
});

describe.skipIf(!onPostgres)(
  'Stripe webhooks and payments under concurrency (PostgreSQL only: needs real concurrent connections)',
  { timeout: 120_000 },
  () => {
    let stripe: StripeStandIn;
    let t: TestStack;
    let buyer: Account;
    let seller: Account;
    beforeAll(async () => {
      stripe = await StripeStandIn.start();
      t = await startStripeStack(stripe);
      [buyer, seller] = await Promise.all([registerUserWithRetry(t.client), registerUserWithRetry(t.client)]);
      await raiseSecurityLevel(buyer); // saving a method needs MEDIUM
    }, 240_000);
    afterAll(async () => {
      await t?.stop();
      await stripe?.stop();
    });

    it('processes a webhook delivered eight times at once exactly once: one transition, one history entry, one event recorded', async () => {
      const o = await placedOrder(t, buyer, seller, { total: 3400 });
      const p = await payWith(buyer, [o.id], { token: 'pm_card_authenticationRequired' });
      const [intent] = [...stripe.intents.values()].filter((pi) => pi.metadata.payment_id === p.payment.id);
      const w = stripe.webhook('payment_intent.succeeded', stripe.completeAction(intent.id, true), WEBHOOK_SECRET);
      const answers = await Promise.all(Array.from({ length: 8 }, () => postWebhook(t.url, 'stripe', w.payload, w.signature)));
      for (const a of answers) expect(a.status).toBe(200);
      expect(answers.filter((a) => a.body.outcome === 'recorded')).toHaveLength(1);
      const history = (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id: o.id })).order.statusHistory;
      expect(history.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
      expect(await sql(t, `select 1 from orders.provider_events where event_id = '${w.id}'`)).toHaveLength(1);
      const [events] = await sql(
        t,
        `select count(*)::int as n from events.log where topic = 'order.status_changed' and payload->>'orderId' = '${o.id}' and origin is null`,
      );
      expect(Number(events.n)).toBe(2); // created, paid
    });

    it('charges an order once when ten payOrders with ten keys race, with a card or a saved method', async () => {
      const saved = (await saveMethod(buyer, 'CARD', 'pm_card_visa')).savedPaymentMethod;
      const o = await placedOrder(t, buyer, seller, { total: 7100 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          payWith(buyer, [o.id], i % 2 ? { savedPaymentMethodId: saved.id } : { token: 'pm_card_visa' }, crypto.randomUUID()),
        ),
      );
      expect(answers.filter((a) => a.userErrors.length === 0)).toHaveLength(1);
      for (const a of answers.filter((x) => x.userErrors.length)) expect(a.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
      expect(stripe.succeeded().filter((pi) => pi.amount === 7100)).toHaveLength(1);
    });
  },
);
