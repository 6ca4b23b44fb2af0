/**
 * A local HTTP stand-in for the part of Stripe's API the Stripe adapter uses
 * (subgraphs/orders/payments/stripe.ts), for tests that run the real `stripe`
 * SDK against it (STRIPE_API_BASE). It answers Stripe's documented shapes:
 *
 * - `POST /v1/payment_intents`, `GET /v1/payment_intents/:id`,
 *   `POST /v1/payment_intents/:id/confirm`, `POST /v1/payment_intents/:id/cancel`
 * - `POST /v1/refunds` (full or partial, never more than was charged)
 * - `POST /v1/customers`, `POST /v1/payment_methods/:id/attach`, `.../detach`
 * - idempotency: a POST repeated with its `Idempotency-Key` answers the first
 *   answer; the key with other parameters answers `idempotency_error`
 * - errors as Stripe sends them: `{ error: { type, code, message, … } }`, 402 for
 *   a declined card, 400/404 for invalid requests
 *
 * Test PaymentMethods (Stripe's own test names): `pm_card_visa`,
 * `pm_card_mastercard` (succeed), `pm_card_chargeDeclined` (declined),
 * `pm_card_authenticationRequired` (3-D Secure: requires_action with a
 * redirect), `pm_paypal` (a PayPal method). Attaching one to a customer makes
 * a new `pm_…` that behaves the same.
 *
 * It is a stand-in, not Stripe: docs/payments.md lists what it does not verify.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import Stripe from 'stripe';

type Json = Record<string, any>;

interface Behaviour {
  type: 'card' | 'paypal';
  outcome: 'succeed' | 'decline' | 'authenticate';
  card?: { brand: string; last4: string; exp_month: number; exp_year: number };
}

const TEST_METHODS: Record<string, Behaviour> = {
  pm_card_visa: { type: 'card', outcome: 'succeed', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034 } },
  pm_card_mastercard: { type: 'card', outcome: 'succeed', card: { brand: 'mastercard', last4: '4444', exp_month: 8, exp_year: 2033 } },
  pm_card_chargeDeclined: { type: 'card', outcome: 'decline', card: { brand: 'visa', last4: '0002', exp_month: 12, exp_year: 2034 } },
  pm_card_authenticationRequired: { type: 'card', outcome: 'authenticate', card: { brand: 'visa', last4: '3184', exp_month: 12, exp_year: 2034 } },
  pm_paypal: { type: 'paypal', outcome: 'succeed' },
};

const rid = (prefix: string) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;

class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly error: Json,
  ) {
    super(error.message);
  }
}
const invalid = (message: string, extra: Json = {}, status = 400) => new StripeError(status, { type: 'invalid_request_error', message, ...extra });

/** `a[b][0]=x` form fields → nested objects and arrays. */
function parseForm(body: string): Json {
  const out: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: any = out;
    parts.forEach((p, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]);
      if (last) node[p] = value;
      else node = node[p] ??= nextIsIndex ? [] : {};
    });
  }
  return out;
}

export class StripeStandIn {
  readonly intents = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  readonly customers = new Map<string, Json>();
  readonly methods = new Map<string, Json & { behaviour: Behaviour }>();
  /** Every request: method and path. */
  readonly calls: string[] = [];
  private readonly idempotent = new Map<string, { request: string; status: number; body: Json }>();
  private server!: http.Server;
  url = '';
  /** Signs webhook payloads as Stripe does (the SDK's own test helper). */
  private readonly sdk = new Stripe('sk_test_standin');

  static async start(): Promise<StripeStandIn> {
    const s = new StripeStandIn();
    s.server = http.createServer((req, res) => void s.handle(req, res));
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', () => r()));
    s.url = `http://127.0.0.1:${(s.server.address() as { port: number }).port}`;
    return s;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** The buyer completes (or fails) 3-D Secure on Stripe's page: the intent moves on. */
  completeAction(intentId: string, ok: boolean): Json {
    const pi = this.intents.get(intentId)!;
    if (pi.status !== 'requires_action') throw new Error(`${intentId} is ${pi.status}`);
    if (ok) this.succeed(pi);
    else {
      pi.status = 'requires_payment_method';
      pi.next_action = null;
      pi.last_payment_error = { type: 'card_error', code: 'payment_intent_authentication_failure', message: 'The authentication failed.' };
    }
    return structuredClone(pi);
  }

  /** A webhook as Stripe sends it: the JSON payload and its `Stripe-Signature` header. */
  webhook(type: string, object: Json, secret: string, opts: { id?: string; timestamp?: number } = {}): { payload: string; signature: string; id: string } {
    const id = opts.id ?? rid('evt');
    const payload = JSON.stringify({
      id,
      object: 'event',
      api_version: '2025-01-27.acacia',
      created: Math.floor(Date.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    });
    const signature = this.sdk.webhooks.generateTestHeaderString({ payload, secret, ...(opts.timestamp ? { timestamp: opts.timestamp } : {}) });
    return { payload, signature, id };
  }

  /** Intents of ours (metadata.payment_id) that charged. */
  succeeded(paymentId?: string): Json[] {
    return [...this.intents.values()].filter((pi) => pi.status === 'succeeded' && (!paymentId || pi.metadata?.payment_id === paymentId));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0];
    this.calls.push(`${req.method} ${path}`);
    const send = (status: number, json: Json, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': rid('req'), ...headers });
      res.end(JSON.stringify(json));
    };
    if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_')) {
      send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      return;
    }
    const params = parseForm(body);
    const key = req.headers['idempotency-key'];
    const request = `${req.method} ${path} ${JSON.stringify(params)}`;
    if (req.method === 'POST' && typeof key === 'string') {
      const seen = this.idempotent.get(key);
      if (seen) {
        if (seen.request !== request) {
          send(400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          });
        } else send(seen.status, seen.body, { 'idempotent-replayed': 'true' });
        return;
      }
    }
    let status = 200;
    let out: Json;
    try {
      out = this.route(req.method ?? 'GET', path, params);
    } catch (err) {
      if (!(err instanceof StripeError)) throw err;
      status = err.status;
      out = { error: err.error };
    }
    if (req.method === 'POST' && typeof key === 'string') this.idempotent.set(key, { request, status, body: out });
    send(status, out);
  }

  private route(method: string, path: string, p: Json): Json {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') return this.createIntent(p);
    if ((m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path)) && method === 'GET') return structuredClone(this.intent(m[1]));
    if ((m = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(path)) && method === 'POST') return this.confirm(this.intent(m[1]), p);
    if ((m = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(path)) && method === 'POST') return this.cancel(this.intent(m[1]));
    if (method === 'POST' && path === '/v1/refunds') return this.refund(p);
    if (method === 'POST' && path === '/v1/customers') {
      const c = { id: rid('cus'), object: 'customer', metadata: p.metadata ?? {} };
      this.customers.set(c.id, c);
      return c;
    }
    if ((m = /^\/v1\/payment_methods\/([^/]+)\/attach$/.exec(path)) && method === 'POST') return this.attach(m[1], p);
    if ((m = /^\/v1\/payment_methods\/([^/]+)\/detach$/.exec(path)) && method === 'POST') {
      const pm = this.methods.get(m[1]);
      if (!pm || !pm.customer) throw invalid(`The payment method you provided is not attached to a customer so detachment is impossible.`);
      pm.customer = null;
      return this.view(pm);
    }
    throw invalid(`Unrecognized request URL (${method}: ${path}).`, {}, 404);
  }

  private intent(id: string): Json {
    const pi = this.intents.get(id);
    if (!pi) throw invalid(`No such payment_intent: '${id}'`, { code: 'resource_missing', param: 'intent' }, 404);
    return pi;
  }

  private createIntent(p: Json): Json {
    const amount = Number(p.amount);
    if (!Number.isInteger(amount) || amount < 50) throw invalid('Amount must be at least $0.50 usd', { code: 'amount_too_small', param: 'amount' });
    if (p.customer && !this.customers.has(p.customer)) throw invalid(`No such customer: '${p.customer}'`, { code: 'resource_missing', param: 'customer' });
    const id = rid('pi');
    const pi = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      currency: p.currency,
      customer: p.customer ?? null,
      metadata: p.metadata ?? {},
      payment_method_types: p.payment_method_types ?? ['card', 'paypal'],
      payment_method: null,
      status: 'requires_payment_method',
      next_action: null,
      last_payment_error: null,
      latest_charge: null,
      client_secret: `${id}_secret_${crypto.randomBytes(8).toString('hex')}`,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
    this.intents.set(id, pi);
    return structuredClone(pi);
  }

  private behaviourOf(pmId: string): { behaviour: Behaviour; customer: string | null } {
    const attached = this.methods.get(pmId);
    if (attached) return { behaviour: attached.behaviour, customer: attached.customer };
    const test = Object.hasOwn(TEST_METHODS, pmId) ? TEST_METHODS[pmId] : undefined;
    if (!test) throw invalid(`No such PaymentMethod: '${pmId}'`, { code: 'resource_missing', param: 'payment_method' }, 404);
    return { behaviour: test, customer: null };
  }

  private confirm(pi: Json, p: Json): Json {
    if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status)) {
      throw invalid(`You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`, { code: 'payment_intent_unexpected_state' });
    }
    const pmId = p.payment_method ?? pi.payment_method;
    if (!pmId) throw invalid('You must provide a payment_method to confirm.', { param: 'payment_method' });
    const { behaviour, customer } = this.behaviourOf(pmId);
    if (customer && customer !== pi.customer) {
      throw invalid('The provided PaymentMethod belongs to a Customer other than the one on this PaymentIntent.', { param: 'payment_method' });
    }
    if (!pi.payment_method_types.includes(behaviour.type)) {
      throw invalid(`The PaymentMethod provided (${behaviour.type}) is not allowed for this PaymentIntent.`, {
        code: 'payment_intent_incompatible_payment_method',
      });
    }
    pi.payment_method = pmId;
    if (behaviour.outcome === 'decline') {
      const error = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
      pi.status = 'requires_payment_method';
      pi.last_payment_error = error;
      throw new StripeError(402, { ...error, payment_intent: structuredClone(pi) });
    }
    if (behaviour.outcome === 'authenticate') {
      pi.status = 'requires_action';
      pi.next_action = { type: 'redirect_to_url', redirect_to_url: { url: `${this.url}/3ds/${pi.id}`, return_url: p.return_url ?? null } };
    } else this.succeed(pi);
    return structuredClone(pi);
  }

  private succeed(pi: Json): void {
    pi.status = 'succeeded';
    pi.next_action = null;
    pi.last_payment_error = null;
    pi.amount_received = pi.amount;
    pi.latest_charge = rid('ch');
  }

  private cancel(pi: Json): Json {
    if (pi.status === 'succeeded' || pi.status === 'canceled') {
      throw invalid(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
        { code: 'payment_intent_unexpected_state' },
      );
    }
    pi.status = 'canceled';
    pi.next_action = null;
    return structuredClone(pi);
  }

  private refund(p: Json): Json {
    const pi = this.intent(p.payment_intent);
    if (pi.status !== 'succeeded')
      throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { code: 'charge_not_refundable' });
    const refunded = [...this.refunds.values()].filter((r) => r.payment_intent === pi.id).reduce((s, r) => s + r.amount, 0);
    const amount = p.amount === undefined ? pi.amount - refunded : Number(p.amount);
    if (!Number.isInteger(amount) || amount <= 0 || amount > pi.amount - refunded) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${pi.amount - refunded}).`, { param: 'amount' });
    }
    const r = { id: rid('re'), object: 'refund', amount, currency: pi.currency, payment_intent: pi.id, charge: pi.latest_charge, status: 'succeeded' };
    this.refunds.set(r.id, r);
    return r;
  }

  private attach(pmId: string, p: Json): Json {
    if (!p.customer || !this.customers.has(p.customer))
      throw invalid(`No such customer: '${p.customer}'`, { code: 'resource_missing', param: 'customer' }, 404);
    const { behaviour } = this.behaviourOf(pmId);
    if (this.methods.has(pmId)) throw invalid('The payment method you provided has already been attached to a customer.');
    const pm = { id: rid('pm'), customer: p.customer, behaviour };
    this.methods.set(pm.id, pm);
    return this.view(pm);
  }

  private view(pm: Json & { behaviour: Behaviour }): Json {
    const b = pm.behaviour;
    return {
      id: pm.id,
      object: 'payment_method',
      type: b.type,
      customer: pm.customer,
      ...(b.card ? { card: { ...b.card } } : {}),
      ...(b.type === 'paypal' ? { paypal: {} } : {}),
    };
  }
}
