/**
 * The built-in test provider (PAYMENT_PROVIDER=test, the default). It stands
 * for an external provider, so it keeps its records apart from the orders'
 * own: charges by idempotency key in `orders.test_provider_charges`, refunds in
 * `orders.test_provider_refunds` (in the orders database, so they survive a
 * restart of the orders process, and tests can read what was charged). Not for
 * production use.
 *
 * Method-aware tokens (a token of another method is invalid):
 *
 * | method | succeeds | declined |
 * | --- | --- | --- |
 * | CARD | `tok_visa` (visa •4242), `tok_mastercard` (mastercard •4444) | `tok_chargeDeclined` (visa •0002) |
 * | PAYPAL | `tok_paypal` | `tok_paypalDeclined` |
 * | LOCAL | `tok_local` | `tok_localDeclined` |
 *
 * A saved method's reference is `pm_test:<token>:<uuid>`; charging it charges its token.
 */
import crypto from 'node:crypto';
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

interface TestToken {
  method: PaymentMethod;
  ok: boolean;
  brand: string;
  last4: string | null;
  exp: [number, number] | null;
}

const TOKENS: Record<string, TestToken> = {
  tok_visa: { method: 'CARD', ok: true, brand: 'visa', last4: '4242', exp: [12, 2034] },
  tok_mastercard: { method: 'CARD', ok: true, brand: 'mastercard', last4: '4444', exp: [8, 2033] },
  tok_chargeDeclined: { method: 'CARD', ok: false, brand: 'visa', last4: '0002', exp: [12, 2034] },
  tok_paypal: { method: 'PAYPAL', ok: true, brand: 'paypal', last4: null, exp: null },
  tok_paypalDeclined: { method: 'PAYPAL', ok: false, brand: 'paypal', last4: null, exp: null },
  tok_local: { method: 'LOCAL', ok: true, brand: 'local', last4: null, exp: null },
  tok_localDeclined: { method: 'LOCAL', ok: false, brand: 'local', last4: null, exp: null },
};

const DECLINED: Record<PaymentMethod, string> = {
  CARD: 'Your card was declined.',
  PAYPAL: 'PayPal declined the payment.',
  LOCAL: 'The payment was declined.',
};

/** The token a one-time token or a saved reference stands for. */
function tokenOf(token: string): { name: string; t: TestToken } | null {
  const name = token.startsWith('pm_test:') ? token.split(':')[1] : token;
  const t = Object.hasOwn(TOKENS, name) ? TOKENS[name] : undefined;
  return t ? { name, t } : null;
}

export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test' as const;
  constructor(private readonly db: Executor) {}

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const tok = tokenOf(req.token);
    // like real providers, a request refused before it is processed is not remembered
    if (!tok) return { status: 'INVALID', message: 'The payment token is not valid.' };
    if (tok.t.method !== req.method) return { status: 'INVALID', message: `The payment token is not a ${req.method} token.` };
    const ok = tok.t.ok;
    const row = await q.testProviderCharge(this.db, {
      idempotencyKey: req.idempotencyKey,
      status: ok ? 'SUCCEEDED' : 'DECLINED',
      reference: ok ? `ch_test_${crypto.randomUUID()}` : null,
      amount: req.amount,
      currency: req.currency,
      method: req.method,
      message: ok ? null : DECLINED[req.method],
    });
    if (row.status === 'SUCCEEDED') return { status: 'SUCCEEDED', reference: row.reference! };
    if (row.status === 'DECLINED') return { status: 'DECLINED', message: row.message ?? DECLINED[req.method] };
    return { status: 'CANCELLED' };
  }

  async resolveCharge(idempotencyKey: string): Promise<ChargeOutcome> {
    const row = await q.testProviderCharge(this.db, {
      idempotencyKey,
      status: 'CANCELLED',
      reference: null,
      amount: 0,
      currency: '',
      method: '',
      message: 'Closed unanswered',
    });
    return row.status === 'SUCCEEDED' ? { status: 'SUCCEEDED', reference: row.reference! } : { status: 'NOT_CHARGED' };
  }

  async refund(req: RefundRequest): Promise<{ reference: string }> {
    const charge = await q.testProviderChargeByReference(this.db, req.reference);
    // (a `ch_test_` reference it has no record of was charged before it kept records: refundable as asked)
    if (!charge && !req.reference.startsWith('ch_test_')) throw new Error(`test provider: no charge ${req.reference}`);
    const already = await q.testProviderRefundedAmount(this.db, req.reference, req.idempotencyKey);
    if (!Number.isInteger(req.amount) || req.amount <= 0 || (charge && req.amount + already > charge.amount)) {
      throw new Error(`test provider: cannot refund ${req.amount} of a charge of ${charge?.amount} (${already} refunded)`);
    }
    const reference = await q.testProviderRefund(this.db, {
      idempotencyKey: req.idempotencyKey,
      chargeReference: req.reference,
      amount: req.amount,
      reference: `re_test_${crypto.randomUUID()}`,
    });
    return { reference };
  }

  async saveMethod(req: SaveMethodRequest): Promise<SavedMethod> {
    const tok = tokenOf(req.token);
    if (!tok || req.token.startsWith('pm_test:')) return { ok: false, message: 'The payment token is not valid.' };
    if (tok.t.method !== req.method) return { ok: false, message: `The payment token is not a ${req.method} token.` };
    return {
      ok: true,
      reference: `pm_test:${tok.name}:${crypto.randomUUID()}`,
      customerRef: null,
      brand: tok.t.brand,
      last4: tok.t.last4,
      expMonth: tok.t.exp?.[0] ?? null,
      expYear: tok.t.exp?.[1] ?? null,
    };
  }

  async removeMethod(): Promise<void> {}

  verifyWebhook(): ProviderEvent {
    throw new WebhookRejected('The test payment provider sends no webhooks.');
  }
}
