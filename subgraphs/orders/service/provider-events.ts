/**
 * The payment provider's webhooks (Stripe), forwarded by the gateway
 * (`POST /webhooks/stripe` → internal `providerWebhook`): the signature is
 * verified here, where the provider and its secret are; then the event is
 * processed once.
 *
 * Once: an event id already recorded in `orders.provider_events` is answered
 * as a duplicate without doing anything (replays). Two deliveries of one event
 * at the same time both go on, but what they do is conditional: a payment is
 * settled only from PENDING or REQUIRES_ACTION (the first settler wins, the
 * other does nothing), so the orders move, the history and the event are
 * written once. The event id is recorded after its work, so a delivery whose
 * process died half way is done again in full by the provider's retry.
 */
import { fail } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries/index.ts';
import { WebhookRejected, type PaymentProvider, type ProviderEvent } from '../payments/provider.ts';
import type { PaymentService } from './payments.ts';

export type WebhookAnswer = { status: 200; body: { received: true; duplicate: boolean; outcome: string } } | { status: 400; body: { error: string } };

export class ProviderEvents {
  constructor(
    private readonly deps: SubgraphDeps,
    private readonly provider: PaymentProvider,
    private readonly payments: PaymentService,
  ) {}

  /** Internal `providerWebhook` { provider, payload, signature }: the gateway answers the provider with `status`. */
  async webhook(input: { provider?: unknown; payload?: unknown; signature?: unknown }): Promise<WebhookAnswer> {
    if (input?.provider !== this.provider.name || typeof input.payload !== 'string') {
      return { status: 400, body: { error: `This server does not take ${String(input?.provider)} webhooks.` } };
    }
    let event: ProviderEvent;
    try {
      event = this.provider.verifyWebhook(input.payload, typeof input.signature === 'string' ? input.signature : undefined);
    } catch (err) {
      if (err instanceof WebhookRejected) return { status: 400, body: { error: err.message } };
      throw err;
    }
    const db = this.deps.db.drizzle;
    if (await q.providerEventSeen(db, event.id)) return { status: 200, body: { received: true, duplicate: true, outcome: 'duplicate' } };
    const { outcome, paymentId } = await this.process(event);
    const first = await q.recordProviderEvent(db, { eventId: event.id, type: event.type, paymentId, outcome });
    this.deps.log.info('payment provider event', { eventId: event.id, type: event.type, paymentId, outcome, duplicate: !first });
    return { status: 200, body: { received: true, duplicate: !first, outcome } };
  }

  private async process(event: ProviderEvent): Promise<{ outcome: string; paymentId: string | null }> {
    if (event.kind === 'OTHER' || !isId(event.idempotencyKey)) return { outcome: 'ignored', paymentId: null };
    const payment = await q.paymentById(this.deps.db.drizzle, event.idempotencyKey);
    if (!payment) return { outcome: 'unknown payment', paymentId: null };
    if (event.kind === 'CHARGE_SUCCEEDED') {
      if (payment.state !== 'PENDING' && payment.state !== 'REQUIRES_ACTION') return { outcome: 'already settled', paymentId: payment.id };
      const done = await this.payments.recordCharge(payment, event.reference ?? fail('INVALID_INPUT', 'The event names no charge.'));
      return { outcome: done ? 'recorded' : 'already settled', paymentId: payment.id };
    }
    // failed or cancelled: only a payment waiting for the buyer is the webhook's to settle (an attempt
    // in progress settles on the provider's answer, a dead one by the sweeper)
    if (payment.state !== 'REQUIRES_ACTION') return { outcome: 'not awaiting action', paymentId: payment.id };
    await this.payments.declineAfterAction(payment, event.message ?? 'The payment was not completed.');
    return { outcome: 'declined', paymentId: payment.id };
  }
}
