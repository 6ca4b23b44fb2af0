/**
 * Paying the refunds owed (part of the `orders.compensation` job).
 *
 * A refund is decided in a transaction that writes its `orders.refunds` row (with
 * `orders.refunded_amount`, which a conditional UPDATE keeps within the order's
 * total): a cancellation's (service/lifecycle.ts compensation) or a dispute
 * settlement's (service/disputes.ts). This job leases rows the provider has not
 * confirmed yet (SKIP LOCKED, 30 s lease, so instances share them), asks the
 * provider to refund with the row's key (idempotent: a retry after a crash
 * refunds nothing twice) and records the provider's reference. A failure is
 * retried on the next pass, for as long as it takes.
 */
import { CURRENCY } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import type { PaymentProvider } from '../payments/provider.ts';

const LEASE_S = 30;
const BATCH = 50;

export class RefundService {
  constructor(
    private readonly deps: SubgraphDeps,
    private readonly provider: PaymentProvider,
  ) {}

  /** Pays every owed refund it can lease now, batch after batch. */
  async payOwed(): Promise<void> {
    for (;;) {
      const batch = await q.leaseOwedRefunds(this.deps.db.drizzle, this.deps.clock.now(), LEASE_S, BATCH);
      for (const r of batch) await this.payOne(r);
      if (batch.length < BATCH) return;
    }
  }

  private async payOne(r: q.OwedRefund): Promise<void> {
    const { db, log } = this.deps;
    try {
      if (!r.chargeReference) throw new Error('the payment of this refund has no charge reference');
      const made = await this.provider.refund({ reference: r.chargeReference, amount: r.amount, idempotencyKey: r.key });
      await q.refundPaid(db.drizzle, r.id, made.reference);
    } catch (err) {
      log.warn('refund failed; will retry', { refundId: r.id, orderId: r.orderId, amount: r.amount, currency: CURRENCY, err });
      await q.refundRetryLater(db.drizzle, r.id).catch(() => undefined);
    }
  }
}
