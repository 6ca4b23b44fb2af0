/**
 * Payments behind a small interface, so a real provider (Stripe, Adyen, …) can
 * replace the built-in test provider without touching the order rules.
 *
 * Both calls take an idempotency key: calling again with the same key never
 * charges or refunds twice, it answers the first result.
 */
import crypto from 'node:crypto';

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
  | { status: 'INVALID'; message: string };

export interface RefundRequest {
  /** The charge's reference. */
  reference: string;
  amount: number;
  idempotencyKey: string;
}

export interface PaymentProvider {
  charge(req: ChargeRequest): Promise<ChargeResult>;
  refund(req: RefundRequest): Promise<{ reference: string }>;
}

/**
 * The built-in test provider: `tok_visa` succeeds, `tok_chargeDeclined` is
 * declined, any other token is invalid. Keeps its charges and refunds in
 * memory (`charges`, `refunds`) so tests can count them.
 */
export class TestPaymentProvider implements PaymentProvider {
  readonly charges = new Map<string, ChargeRequest & { reference: string }>();
  readonly refunds = new Map<string, RefundRequest & { id: string }>();
  private readonly results = new Map<string, ChargeResult>();

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const seen = this.results.get(req.idempotencyKey);
    if (seen) return seen;
    let result: ChargeResult;
    if (req.token === 'tok_visa') {
      const reference = `ch_test_${crypto.randomUUID()}`;
      this.charges.set(req.idempotencyKey, { ...req, reference });
      result = { status: 'SUCCEEDED', reference };
    } else if (req.token === 'tok_chargeDeclined') {
      result = { status: 'DECLINED', message: 'Your card was declined.' };
    } else {
      result = { status: 'INVALID', message: 'The payment token is not valid.' };
    }
    this.results.set(req.idempotencyKey, result);
    return result;
  }

  async refund(req: RefundRequest): Promise<{ reference: string }> {
    const seen = this.refunds.get(req.idempotencyKey);
    if (seen) return { reference: seen.id };
    const id = `re_test_${crypto.randomUUID()}`;
    this.refunds.set(req.idempotencyKey, { ...req, id });
    return { reference: id };
  }
}
