/**
 * Payments behind a small interface, so that the provider (the built-in test
 * provider, or Stripe: payments/stripe.ts) can change without touching the
 * order rules. Chosen by PAYMENT_PROVIDER (payments/index.ts).
 *
 * Every call that moves money takes an idempotency key: calling again with the
 * same key never charges or refunds twice, it answers the first result.
 * payOrders uses its payment's id as the charge's key, so whoever finishes a
 * payment (the attempt itself, a retry, the webhook, or the sweeper after the
 * attempt's process died) asks the provider about the same charge and never
 * makes a second one.
 */
export type PaymentMethod = 'CARD' | 'PAYPAL' | 'LOCAL';

export interface ChargeRequest {
  amount: number; // minor units
  currency: string;
  method: PaymentMethod;
  /** A one-time token from the client, or a saved method's provider reference. */
  token: string;
  /** The provider's customer a saved method is attached to. */
  customerRef?: string | null;
  idempotencyKey: string;
}

export type ChargeResult =
  | { status: 'SUCCEEDED'; reference: string }
  /** The buyer must act (3-D Secure, a redirect) at `nextActionUrl`; the provider's webhook tells the outcome. */
  | { status: 'REQUIRES_ACTION'; reference: string; nextActionUrl: string | null }
  | { status: 'DECLINED'; message: string }
  /** The token is not one the provider knows (or not of this method): a client error, nothing charged. */
  | { status: 'INVALID'; message: string }
  /** The key was closed by `resolveCharge` before this request arrived: nothing charged, and nothing ever will be with it. */
  | { status: 'CANCELLED' };

/** What became of the charge requested with a key. */
export type ChargeOutcome = { status: 'SUCCEEDED'; reference: string } | { status: 'NOT_CHARGED' };

export interface RefundRequest {
  /** The charge's reference. */
  reference: string;
  /** Minor units: the whole charge or a part of it (several partial refunds of one charge are fine, each with its key). */
  amount: number;
  idempotencyKey: string;
}

export interface SaveMethodRequest {
  userId: string;
  method: PaymentMethod;
  token: string;
}

/** A method the provider keeps for the buyer: its reference and what the buyer is shown (never a card number). */
export type SavedMethod =
  | {
      ok: true;
      reference: string;
      customerRef: string | null;
      brand: string | null;
      last4: string | null;
      expMonth: number | null;
      expYear: number | null;
    }
  | { ok: false; message: string };

/** A provider webhook event, verified. */
export interface ProviderEvent {
  id: string;
  type: string;
  /** CHARGE_SUCCEEDED / CHARGE_FAILED: about the charge of `idempotencyKey` (our payment's id); OTHER: nothing to do. */
  kind: 'CHARGE_SUCCEEDED' | 'CHARGE_FAILED' | 'OTHER';
  idempotencyKey: string | null;
  reference: string | null;
  message: string | null;
}

/** A webhook whose signature does not verify (or that is not one at all): answered 400, nothing done. */
export class WebhookRejected extends Error {
  override name = 'WebhookRejected';
}

export interface PaymentProvider {
  readonly name: 'test' | 'stripe';
  charge(req: ChargeRequest): Promise<ChargeResult>;
  /**
   * Asks what became of the charge requested with `idempotencyKey`, for a
   * payment whose attempt died or whose buyer never completed the action.
   * When nothing was charged, the key is closed in the same step: a charge
   * with it that arrives later answers CANCELLED (Stripe: the payment intent
   * is cancelled unless it succeeded).
   */
  resolveCharge(idempotencyKey: string): Promise<ChargeOutcome>;
  /** Full or partial; idempotent by key. */
  refund(req: RefundRequest): Promise<{ reference: string }>;
  /** Keeps a method for the buyer (Stripe: attaches the PaymentMethod to the buyer's customer). */
  saveMethod(req: SaveMethodRequest): Promise<SavedMethod>;
  /** Forgets a saved method (Stripe: detaches it). Idempotent. */
  removeMethod(reference: string): Promise<void>;
  /** Verifies a webhook's signature and reads it; throws WebhookRejected. */
  verifyWebhook(payload: string, signature: string | undefined): ProviderEvent;
}
