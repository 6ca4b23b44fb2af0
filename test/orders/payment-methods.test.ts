/**
 * Saved payment methods and the Transactions page, with the built-in test
 * provider (method-aware tokens), through the gateway: people are registered
 * accounts, since saving a method needs security level MEDIUM (users subgraph).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../platform/db.ts';
import { registerUserWithRetry, type Account } from '../helpers/accounts.ts';
import { PATIENT_GATEWAY } from '../helpers/messaging.ts';
import { eventually, M, ORDER_QUERY, placedOrder } from '../helpers/orders.ts';
import { P, payWith, raiseSecurityLevel, saveMethod, transactions } from '../helpers/payments.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

async function sql<T = Record<string, unknown>>(t: TestStack, text: string): Promise<T[]> {
  return rowsOf<T>(await t.stack.subgraphs.orders.db.drizzle.execute(text as never));
}

/** A fresh account with no security question and an unverified email: security level LOW. */
const lowAccount = (t: TestStack) => registerUserWithRetry(t.client, { password: 'abcdefgh' });
/** A fresh account at security level MEDIUM or above (a security question set). */
async function mediumAccount(t: TestStack): Promise<Account> {
  const a = await registerUserWithRetry(t.client);
  await raiseSecurityLevel(a);
  return a;
}

describe('saved payment methods and Transactions (test provider)', { timeout: 120_000 }, () => {
  let t: TestStack;
  let seller: Account;
  beforeAll(async () => {
    t = await startTestStack({ env: { ORDER_SWEEP_INTERVAL_MS: '50', ...PATIENT_GATEWAY } });
    seller = await mediumAccount(t);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('refuses to save a method below security level MEDIUM, saying how to raise it, and saves it once a security question is set', async () => {
    const a = await lowAccount(t);
    expect((await a.client.data<{ viewer: any }>('{ viewer { securityLevel } }')).viewer.securityLevel).toBe('LOW');
    const refused = await saveMethod(a, 'CARD', 'tok_visa');
    expect(refused.savedPaymentMethod).toBeNull();
    expect(refused.userErrors).toEqual([
      expect.objectContaining({ code: 'SECURITY_LEVEL_TOO_LOW', message: expect.stringMatching(/security question|verify your email/) }),
    ]);
    expect((await a.client.data<{ viewer: any }>(P.methods)).viewer.savedPaymentMethods).toEqual([]);

    const raised = await a.client.data<{ setSecurityQuestion: any }>(P.securityQuestion, { password: a.password });
    expect(raised.setSecurityQuestion.userErrors).toEqual([]);
    expect(raised.setSecurityQuestion.user.securityLevel).not.toBe('LOW');
    const saved = await saveMethod(a, 'CARD', 'tok_visa');
    expect(saved.userErrors).toEqual([]);
    expect(saved.savedPaymentMethod).toMatchObject({ method: 'CARD', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034, isDefault: true });
    expect(saved.user.savedPaymentMethods).toEqual([saved.savedPaymentMethod]);
  });

  it('keeps only the provider reference and display fields, one default, the first saved by default and a later one on request', async () => {
    const a = await mediumAccount(t);
    const visa = (await saveMethod(a, 'CARD', 'tok_visa')).savedPaymentMethod;
    const paypal = (await saveMethod(a, 'PAYPAL', 'tok_paypal')).savedPaymentMethod;
    expect(paypal).toMatchObject({ method: 'PAYPAL', brand: 'paypal', last4: null, expMonth: null, isDefault: false });
    const mc = (await saveMethod(a, 'CARD', 'tok_mastercard', true)).savedPaymentMethod;
    expect(mc).toMatchObject({ brand: 'mastercard', last4: '4444', isDefault: true });
    const list = (await a.client.data<{ viewer: any }>(P.methods)).viewer.savedPaymentMethods;
    expect(list.map((m: any) => [m.id, m.isDefault])).toEqual([
      [mc.id, true],
      [visa.id, false],
      [paypal.id, false],
    ]);
    const [row] = await sql(t, `select * from orders.saved_payment_methods where id = '${visa.id}'`);
    expect(Object.keys(row).sort()).toEqual(
      ['brand', 'created_at', 'customer_ref', 'exp_month', 'exp_year', 'id', 'is_default', 'last4', 'method', 'provider_ref', 'user_id'].sort(),
    );
    expect(row.provider_ref).toMatch(/^pm_test:tok_visa:/);

    // removing the default makes the oldest remaining one the default
    const after = (await a.client.data<{ removePaymentMethod: any }>(P.remove, { id: mc.id })).removePaymentMethod;
    expect(after.userErrors).toEqual([]);
    expect(after.user.savedPaymentMethods.map((m: any) => [m.id, m.isDefault])).toEqual([
      [visa.id, true],
      [paypal.id, false],
    ]);
  });

  it('answers bad input with userErrors and changes nothing: a token of another method, an unknown token, someone else’s method', async () => {
    const a = await mediumAccount(t);
    const b = await mediumAccount(t);
    expect((await saveMethod(a, 'PAYPAL', 'tok_visa')).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['token'] })]);
    expect((await saveMethod(a, 'CARD', 'tok_nonsense')).userErrors[0].code).toBe('INVALID_INPUT');
    expect((await saveMethod(a, 'CARD', '')).userErrors[0].code).toBe('INVALID_INPUT');
    const bs = (await saveMethod(b, 'CARD', 'tok_visa')).savedPaymentMethod;
    const foreign = (await a.client.data<{ removePaymentMethod: any }>(P.remove, { id: bs.id })).removePaymentMethod;
    expect(foreign.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
    expect((await a.client.data<{ removePaymentMethod: any }>(P.remove, { id: 'nope' })).removePaymentMethod.userErrors[0].code).toBe('NOT_FOUND');
    expect((await b.client.data<{ viewer: any }>(P.methods)).viewer.savedPaymentMethods).toHaveLength(1);
    expect((await a.client.data<{ viewer: any }>(P.methods)).viewer.savedPaymentMethods).toEqual([]);
    const guest = await t.client.request(P.save, { method: 'CARD', token: 'tok_visa' });
    expect(guest.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('pays with a saved method instead of a token, and refuses both at once, another person’s method and a method of another kind', async () => {
    const a = await mediumAccount(t);
    const b = await mediumAccount(t);
    const card = (await saveMethod(a, 'CARD', 'tok_visa')).savedPaymentMethod;
    const paypal = (await saveMethod(a, 'PAYPAL', 'tok_paypal')).savedPaymentMethod;
    const o = await placedOrder(t, a, seller, { total: 1234 });
    expect((await payWith(a, [o.id], { token: 'tok_visa', savedPaymentMethodId: card.id })).userErrors[0].code).toBe('INVALID_INPUT');
    expect((await payWith(a, [o.id], {})).userErrors[0].code).toBe('INVALID_INPUT');
    expect((await payWith(b, [o.id], { savedPaymentMethodId: card.id })).userErrors[0].code).toBe('NOT_FOUND');
    expect((await payWith(a, [o.id], { method: 'CARD', savedPaymentMethodId: paypal.id })).userErrors[0].code).toBe('INVALID_INPUT');
    expect((await payWith(a, [o.id], { method: 'CARD', token: 'tok_paypal' })).userErrors[0].code).toBe('INVALID_INPUT');
    expect(await sql(t, `select 1 from orders.payments where '${o.id}' = any(order_ids)`)).toEqual([]);

    const paid = await payWith(a, [o.id], { method: 'PAYPAL', savedPaymentMethodId: paypal.id });
    expect(paid.userErrors).toEqual([]);
    expect(paid.payment).toMatchObject({ status: 'SUCCEEDED', method: 'PAYPAL', amount: { amount: '12.34' }, nextActionUrl: null });
    expect(paid.orders[0].status).toBe('SHIPMENT_REQUIRED');
    const [charge] = await sql(t, `select method, amount, status from orders.test_provider_charges where idempotency_key = '${paid.payment.id}'`);
    expect(charge).toEqual({ method: 'PAYPAL', amount: 1234, status: 'SUCCEEDED' });
    const [payment] = await sql(t, `select saved_method_id from orders.payments where id = '${paid.payment.id}'`);
    expect(payment.saved_method_id).toBe(paypal.id);
  });

  it('lists payments and refunds newest first, page by page, and only to their owner', async () => {
    const a = await mediumAccount(t);
    const o1 = await placedOrder(t, a, seller, { total: 1000 });
    const o2 = await placedOrder(t, a, seller, { total: 2000 });
    expect((await payWith(a, [o1.id], { token: 'tok_chargeDeclined' })).userErrors[0].code).toBe('PAYMENT_DECLINED');
    const p1 = await payWith(a, [o1.id], { token: 'tok_visa' });
    const p2 = await payWith(a, [o2.id], { method: 'LOCAL', token: 'tok_local' });
    expect(p2.userErrors).toEqual([]);
    // the buyer cancels the second order: its payment is refunded through the provider
    expect((await a.client.data<{ cancelOrder: any }>(M.cancel, { id: o2.id })).cancelOrder.userErrors).toEqual([]);
    await eventually(async () => expect(await sql(t, `select 1 from orders.refunds where order_id = '${o2.id}' and provider_ref is not null`)).toHaveLength(1));

    const all = await transactions(a, 10);
    const nodes = all.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.kind, n.status, n.method, n.amount.amount, n.orders.map((o: any) => o.id)])).toEqual([
      ['REFUND', 'SUCCEEDED', 'LOCAL', '20.00', [o2.id]],
      ['PAYMENT', 'SUCCEEDED', 'LOCAL', '20.00', [o2.id]],
      ['PAYMENT', 'SUCCEEDED', 'CARD', '10.00', [o1.id]],
      ['PAYMENT', 'DECLINED', 'CARD', '10.00', [o1.id]],
    ]);
    expect(nodes[2].id).toBe(p1.payment.id);
    const times = nodes.map((n: any) => Date.parse(n.createdAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    // pages: two, then two, and no more
    const first = await transactions(a, 2);
    const second = await transactions(a, 2, first.pageInfo.endCursor);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...first.edges, ...second.edges].map((e: any) => e.node.id)).toEqual(nodes.map((n: any) => n.id));
    // a malformed cursor is a client error, not a crash
    const bad = await a.client.request(P.transactions, { first: 2, after: 'garbage' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // someone else sees their own (none), and a guest has no viewer
    const b = await mediumAccount(t);
    expect((await transactions(b)).edges).toEqual([]);
    expect((await t.client.data<{ viewer: unknown }>(P.transactions)).viewer).toBeNull();
    // the order reached through a transaction is the buyer's view of it
    expect((await a.client.data<{ order: any }>(ORDER_QUERY, { id: o2.id })).order.status).toBe('CANCELLED');
  });
});

describe.skipIf(!onPostgres)('saved methods under concurrency (PostgreSQL only: needs real concurrent connections)', { timeout: 120_000 }, () => {
  let t: TestStack;
  let seller: Account;
  beforeAll(async () => {
    t = await startTestStack({ env: PATIENT_GATEWAY });
    seller = await mediumAccount(t);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('charges an order once when ten payOrders with ten keys and the same saved method arrive together', async () => {
    const a = await mediumAccount(t);
    const card = (await saveMethod(a, 'CARD', 'tok_visa')).savedPaymentMethod;
    const o = await placedOrder(t, a, seller, { total: 4200 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => payWith(a, [o.id], { savedPaymentMethodId: card.id }, crypto.randomUUID())));
    const won = answers.filter((x) => x.userErrors.length === 0);
    expect(won).toHaveLength(1);
    for (const x of answers.filter((y) => y.userErrors.length)) expect(x.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
    const charges = await sql(
      t,
      `select 1 from orders.test_provider_charges c join orders.payments p on c.idempotency_key = p.id::text
      where '${o.id}' = any(p.order_ids) and c.status = 'SUCCEEDED'`,
    );
    expect(charges).toHaveLength(1);
    const history = (await a.client.data<{ order: any }>(ORDER_QUERY, { id: o.id })).order.statusHistory;
    expect(history.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
  });

  it('keeps exactly one default when several methods are saved with makeDefault at once', async () => {
    const a = await mediumAccount(t);
    const answers = await Promise.all(Array.from({ length: 6 }, () => saveMethod(a, 'CARD', 'tok_visa', true)));
    for (const x of answers) expect(x.userErrors).toEqual([]);
    const list = (await a.client.data<{ viewer: any }>(P.methods)).viewer.savedPaymentMethods;
    expect(list).toHaveLength(6);
    expect(list.filter((m: any) => m.isDefault)).toHaveLength(1);
  });
});
