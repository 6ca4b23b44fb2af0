/**
 * Payments behind a small interface, so a real provider (Stripe, Adyen, …) can
 * replace the built-in test provider without touching the order rules.
 *
 * Every call takes an idempotency key: calling again with the same key never
 * charges or refunds twice, it answers the first result. payOrders uses its
 * payment's id as the charge's key, so whoever finishes a payment (the attempt
 * itself, a retry, or the sweeper after the attempt's process died) asks the
 * provider about the same charge and never makes a second one.
 */
import crypto from 'node:crypto';
import type { Executor } from '../../../platform/db.ts';
import * as q from '../db/queries/index.ts';

export type PaymentMethod = 'CARD' | 'PAYPAL' | 'LOCAL';

export interface ChargeRequest {
  amount: number; // minor units
  currency: string;
  method: PaymentMethod;
  token: string;
  idempotencyKey: string;
}

export type ChargeResult =
  | { status: 'SUCCEEDED'; reference: string }
  | { status: 'DECLINED'; message: string }
  /** The token is not one the provider knows: a client error, nothing charged. */
  | { status: 'INVALID'; message: string }
  /** The key was closed by `resolveCharge` before this request arrived: nothing charged, and nothing ever will be with it. */
  | { status: 'CANCELLED' };

/** What became of the charge requested with a key. */
export type ChargeOutcome = { status: 'SUCCEEDED'; reference: string } | { status: 'NOT_CHARGED' };

export interface RefundRequest {
  /** The charge's reference. */
  reference: string;
  amount: number;
  idempotencyKey: string;
}

export interface PaymentProvider {
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /**
   * Asks what became of the charge requested with `idempotencyKey`, for a
   * payment whose attempt died. When nothing was charged, the key is closed in
   * the same step: a charge with it that arrives later answers CANCELLED (a
   * real provider: cancel the payment intent unless it succeeded).
   */
  resolveCharge(idempotencyKey: string): Promise<ChargeOutcome>;
  refund(req: RefundRequest): Promise<{ reference: string }>;
}

/**
 * The built-in test provider: `tok_visa` succeeds, `tok_chargeDeclined` is
 * declined, any other token is invalid. It stands for an external provider,
 * so it keeps its records apart from the orders' own: charges by idempotency
 * key in `orders.test_provider_charges`, refunds in `orders.test_provider_refunds`
 * (in the orders database, so they survive a restart of the orders process,
 * and tests can read what was charged). Not for production use.
 */
export class TestPaymentProvider implements PaymentProvider {
  constructor(private readonly db: Executor) {}

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    if (req.token !== 'tok_visa' && req.token !== 'tok_chargeDeclined') {
      // like real providers, a request refused before it is processed is not remembered
      return { status: 'INVALID', message: 'The payment token is not valid.' };
    }
    const ok = req.token === 'tok_visa';
    const row = await q.testProviderCharge(this.db, {
      idempotencyKey: req.idempotencyKey,
      status: ok ? 'SUCCEEDED' : 'DECLINED',
      reference: ok ? `ch_test_${crypto.randomUUID()}` : null,
      amount: req.amount,
      currency: req.currency,
      method: req.method,
      message: ok ? null : 'Your card was declined.',
    });
    if (row.status === 'SUCCEEDED') return { status: 'SUCCEEDED', reference: row.reference! };
    if (row.status === 'DECLINED') return { status: 'DECLINED', message: row.message ?? 'Your card was declined.' };
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
    if (!Number.isInteger(req.amount) || req.amount <= 0 || (charge && req.amount > charge.amount)) {
      throw new Error(`test provider: cannot refund ${req.amount} of a charge of ${charge?.amount}`);
    }
    const reference = await q.testProviderRefund(this.db, {
      idempotencyKey: req.idempotencyKey,
      chargeReference: req.reference,
      amount: req.amount,
      reference: `re_test_${crypto.randomUUID()}`,
    });
    return { reference };
  }
}
