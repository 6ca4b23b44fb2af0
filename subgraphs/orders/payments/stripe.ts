/**
 * Stripe through its official SDK (PAYMENT_PROVIDER=stripe): PaymentIntents.
 *
 * A charge is two calls, each with an idempotency key derived from ours (our
 * payment's id): create the intent (`<key>:create`, metadata.payment_id = key),
 * record it in `orders.provider_intents`, then confirm it with the buyer's
 * PaymentMethod (`<key>:confirm`). The record is written before the intent is
 * confirmed, so `resolveCharge(key)` always finds the intent that may have
 * charged; with no record it closes the key (a record without intent): a
 * charge arriving later finds it closed, cancels its intent and answers
 * CANCELLED. An intent that needs the buyer (3-D Secure) answers
 * REQUIRES_ACTION with the redirect URL; the webhook tells the outcome.
 *
 * Refunds: `refunds.create({ payment_intent, amount })`, full or partial, key
 * `refund:<our key>`. Saved methods: the buyer's Stripe customer (created once,
 * `orders.provider_customers`), the PaymentMethod attached to it.
 */
import Stripe from 'stripe';
import type { Executor } from '../../../platform/db.ts';
import * as q from '../db/queries/index.ts';
import {
  WebhookRejected,
  type ChargeOutcome,
  type ChargeRequest,
  type ChargeResult,
  type PaymentMethod,
  type PaymentProvider,
  type ProviderEvent,
  type RefundRequest,
  type SavedMethod,
  type SaveMethodRequest,
} from './provider.ts';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Another API address (tests: a local stand-in), e.g. http://127.0.0.1:12111. */
  apiBase?: string;
  /** Where Stripe sends the buyer back after a redirect (3-D Secure). */
  returnUrl?: string;
}

/** Stripe PaymentMethod types per method; LOCAL: whatever local methods the Stripe account enables. */
const TYPES: Record<PaymentMethod, string | null> = { CARD: 'card', PAYPAL: 'paypal', LOCAL: null };

/** A Stripe API error of this type (`card_error`, `invalid_request_error`, …: the API's `error.type`). */
const isError = (err: unknown, type: string): err is Stripe.errors.StripeError =>
  err instanceof Stripe.errors.StripeError && (err as Stripe.errors.StripeError).rawType === type;

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(
    private readonly db: Executor,
    private readonly settings: StripeSettings,
  ) {
    const base = settings.apiBase ? new URL(settings.apiBase) : null;
    this.stripe = new Stripe(settings.secretKey, {
      ...(base
        ? {
            host: base.hostname,
            port: Number(base.port) || (base.protocol === 'https:' ? 443 : 80),
            protocol: base.protocol === 'http:' ? 'http' : 'https',
          }
        : {}),
      maxNetworkRetries: 2,
      timeout: 10_000,
      telemetry: false,
    });
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const key = req.idempotencyKey;
    const type = TYPES[req.method];
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.create(
        {
          amount: req.amount,
          currency: req.currency.toLowerCase(),
          ...(req.customerRef ? { customer: req.customerRef } : {}),
          ...(type ? { payment_method_types: [type] } : { automatic_payment_methods: { enabled: true } }),
          metadata: { payment_id: key },
        },
        { idempotencyKey: `${key}:create` },
      );
    } catch (err) {
      if (isError(err, 'invalid_request_error')) return { status: 'INVALID', message: 'The payment could not be created with this method.' };
      throw err;
    }
    // recorded before it can charge: resolveCharge always finds it
    const rec = await q.recordIntent(this.db, key, intent.id, false);
    if (rec.closed || rec.intentId !== intent.id) {
      await this.cancel(intent.id).catch(() => {});
      return { status: 'CANCELLED' };
    }
    try {
      intent = await this.stripe.paymentIntents.confirm(
        intent.id,
        { payment_method: req.token, ...(this.settings.returnUrl ? { return_url: this.settings.returnUrl } : {}) },
        { idempotencyKey: `${key}:confirm` },
      );
    } catch (err) {
      if ((await q.intentOf(this.db, key))?.closed) return { status: 'CANCELLED' };
      if (isError(err, 'card_error')) {
        await this.cancel(intent.id).catch(() => {});
        return { status: 'DECLINED', message: (err as Error).message || 'Your card was declined.' };
      }
      if (isError(err, 'invalid_request_error')) {
        // nothing charged: close the intent so that it never is
        await this.cancel(intent.id).catch(() => {});
        return { status: 'INVALID', message: 'The payment token is not valid.' };
      }
      throw err;
    }
    switch (intent.status) {
      case 'succeeded':
        return { status: 'SUCCEEDED', reference: intent.id };
      case 'requires_action':
      case 'processing':
        return { status: 'REQUIRES_ACTION', reference: intent.id, nextActionUrl: intent.next_action?.redirect_to_url?.url ?? null };
      case 'requires_payment_method':
        await this.cancel(intent.id).catch(() => {});
        return { status: 'DECLINED', message: intent.last_payment_error?.message ?? 'The payment was declined.' };
      case 'canceled':
        return { status: 'CANCELLED' };
      default:
        throw new Error(`stripe: unexpected PaymentIntent status ${intent.status}`);
    }
  }

  async resolveCharge(idempotencyKey: string): Promise<ChargeOutcome> {
    // no intent recorded: close the key, so a charge arriving later charges nothing
    const rec = (await q.intentOf(this.db, idempotencyKey)) ?? (await q.recordIntent(this.db, idempotencyKey, null, true));
    if (!rec.intentId) return { status: 'NOT_CHARGED' };
    const intent = await this.stripe.paymentIntents.retrieve(rec.intentId);
    if (intent.status === 'succeeded') return { status: 'SUCCEEDED', reference: intent.id };
    if (intent.status !== 'canceled') {
      await q.closeIntent(this.db, idempotencyKey);
      const after = await this.cancel(intent.id).catch(async () => this.stripe.paymentIntents.retrieve(intent.id));
      if (after.status === 'succeeded') return { status: 'SUCCEEDED', reference: after.id };
      if (after.status !== 'canceled') throw new Error(`stripe: PaymentIntent ${after.id} is ${after.status}; asking again later`);
    }
    return { status: 'NOT_CHARGED' };
  }

  async refund(req: RefundRequest): Promise<{ reference: string }> {
    const r = await this.stripe.refunds.create({ payment_intent: req.reference, amount: req.amount }, { idempotencyKey: `refund:${req.idempotencyKey}` });
    if (r.status === 'failed' || r.status === 'canceled') throw new Error(`stripe: refund ${r.id} ${r.status}`);
    return { reference: r.id };
  }

  async saveMethod(req: SaveMethodRequest): Promise<SavedMethod> {
    const customer = await this.customerFor(req.userId);
    let pm: Stripe.PaymentMethod;
    try {
      pm = await this.stripe.paymentMethods.attach(req.token, { customer });
    } catch (err) {
      if (isError(err, 'card_error')) return { ok: false, message: (err as Error).message || 'The card was declined.' };
      if (isError(err, 'invalid_request_error')) return { ok: false, message: 'The payment token is not valid.' };
      throw err;
    }
    const type = TYPES[req.method];
    if (type ? pm.type !== type : pm.type === 'card' || pm.type === 'paypal') {
      await this.removeMethod(pm.id);
      return { ok: false, message: `The payment token is not a ${req.method} token.` };
    }
    return {
      ok: true,
      reference: pm.id,
      customerRef: customer,
      brand: pm.card?.brand ?? pm.type,
      last4: pm.card?.last4 ?? null,
      expMonth: pm.card?.exp_month ?? null,
      expYear: pm.card?.exp_year ?? null,
    };
  }

  async removeMethod(reference: string): Promise<void> {
    try {
      await this.stripe.paymentMethods.detach(reference);
    } catch (err) {
      if (!isError(err, 'invalid_request_error')) throw err; // already detached or gone
    }
  }

  verifyWebhook(payload: string, signature: string | undefined): ProviderEvent {
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(payload, signature ?? '', this.settings.webhookSecret);
    } catch {
      throw new WebhookRejected('The webhook signature does not verify.');
    }
    const base = { id: event.id, type: event.type, idempotencyKey: null, reference: null, message: null };
    if (!event.type.startsWith('payment_intent.')) return { ...base, kind: 'OTHER' };
    const intent = event.data.object as Stripe.PaymentIntent;
    const ours = { idempotencyKey: intent.metadata?.payment_id ?? null, reference: intent.id };
    if (event.type === 'payment_intent.succeeded') return { ...base, ...ours, kind: 'CHARGE_SUCCEEDED' };
    if (event.type === 'payment_intent.payment_failed' || event.type === 'payment_intent.canceled') {
      return { ...base, ...ours, kind: 'CHARGE_FAILED', message: intent.last_payment_error?.message ?? null };
    }
    return { ...base, kind: 'OTHER' };
  }

  private cancel(id: string): Promise<Stripe.PaymentIntent> {
    return this.stripe.paymentIntents.cancel(id);
  }

  /** The buyer's Stripe customer, created once (the idempotency key makes racing creations one). */
  private async customerFor(userId: string): Promise<string> {
    const known = await q.customerOf(this.db, userId);
    if (known) return known;
    const c = await this.stripe.customers.create({ metadata: { user_id: userId } }, { idempotencyKey: `customer:${userId}` });
    return q.recordCustomer(this.db, userId, c.id);
  }
}
