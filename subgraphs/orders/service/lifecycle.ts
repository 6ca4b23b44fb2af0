/**
 * The order life cycle (docs/orders.md, the status table): people's transitions, the
 * deadline sweeper, and the compensation outbox.
 *
 * Every transition is ONE conditional UPDATE (… where id = $1 and status in
 * (expected) returning *), so a person racing the sweeper, or two instances
 * of the sweeper, yield exactly one transition and one event.
 *
 * Give-backs owed by a transition (stock, coupons, refund) are flags on the
 * order row set in the transition's transaction; after commit a worker leases
 * flagged rows (SKIP LOCKED), calls catalog/promotions (idempotent) or records
 * the refund owed (paid by service/refunds.ts) and clears the flags. A failed give-back is retried on the
 * next sweep until it succeeds.
 */
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import type { Job } from '../../../platform/jobs.ts';
import { isId, CURRENCY } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import type { OrderRow, OrderStatus, TransitionSpec } from '../db/queries/index.ts';
import { recordStatusChanges } from './common.ts';
import { CancelReason, ExtraDays, ShipInput } from './inputs.ts';

export type Role = 'buyer' | 'seller';

export class LifecycleService {
  /**
   * @param compensation the job that settles give-backs (subgraph.ts), woken
   * after a commit that made one due; without it give-backs wait for a sweep.
   */
  constructor(
    private readonly deps: SubgraphDeps,
    private readonly compensation?: Job,
  ) {}

  // ───────────────────────────── people ─────────────────────────────

  async cancelOrder(viewer: Viewer, orderId: string, reason?: string | null): Promise<OrderRow> {
    const why = validInput(CancelReason, reason, { field: ['reason'] }) ?? 'Cancelled by the buyer';
    await this.own(viewer, orderId, 'buyer');
    // one statement for both cases: what is owed back depends on the status it had
    return this.act(
      viewer,
      orderId,
      'buyer',
      { from: ['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED'], to: 'CANCELLED', set: [q.assign.cancellationGiveBacks()] },
      why,
    );
  }

  async extendShippingTime(viewer: Viewer, orderId: string, days: number): Promise<OrderRow> {
    await this.own(viewer, orderId, 'buyer');
    validInput(ExtraDays, days, { field: ['days'] });
    const row = await q.extendShipBy(this.deps.db.drizzle, orderId, viewer.id, days, this.deps.clock.now());
    if (!row) fail('INVALID_STATE', 'Only an order awaiting shipment can get more shipping time.', ['orderId']);
    return row;
  }

  async shipOrder(viewer: Viewer, orderId: string, trackingNumber: string, carrier?: string | null): Promise<OrderRow> {
    await this.own(viewer, orderId, 'seller');
    const { trackingNumber: tn, carrier: by } = validInput(ShipInput, { trackingNumber, carrier });
    const now = this.deps.clock.now();
    const due = new Date(now.getTime() + this.deps.config.orderClock.deliveryWindowS * 1000);
    return this.act(
      viewer,
      orderId,
      'seller',
      { from: ['SHIPMENT_REQUIRED'], to: 'UNCONFIRMED_DELIVERY', set: [q.assign.shipped(tn, by, now), q.assign.deliveryDeadline(due)] },
      by ? `Shipped with ${by}, tracking number ${tn}` : `Shipped, tracking number ${tn}`,
    );
  }

  async confirmReceipt(viewer: Viewer, orderId: string): Promise<OrderRow> {
    await this.own(viewer, orderId, 'buyer');
    return this.act(
      viewer,
      orderId,
      'buyer',
      { from: ['UNCONFIRMED_DELIVERY'], to: 'FEEDBACK_REQUIRED', set: [this.feedbackDue()] },
      'Receipt confirmed by the buyer',
    );
  }

  /** The order, when the viewer plays `role` in it; FORBIDDEN otherwise (unknown ids too: nothing revealed). */
  async own(viewer: Viewer, orderId: string, role: Role): Promise<OrderRow> {
    if (!isId(orderId)) throw forbidden('You cannot act on this order.');
    const [order] = await q.ordersByIds(this.deps.db.drizzle, [orderId]);
    if (!order || (role === 'buyer' ? order.buyerId : order.sellerId) !== viewer.id) throw forbidden('You cannot act on this order.');
    return order;
  }

  /** One transition of the viewer's order (see the file's comment); INVALID_STATE when it is not in `spec.from`. */
  async act(
    viewer: Viewer,
    orderId: string,
    role: Role,
    spec: Omit<TransitionSpec, 'at' | 'where'>,
    reason: string,
    extra?: (tx: Tx, row: OrderRow) => Promise<void>,
  ): Promise<OrderRow> {
    const now = this.deps.clock.now();
    const row = await this.deps.db.drizzle.transaction(async (tx) => {
      const moved = await q.transitionOne(tx, orderId, { ...spec, at: now, where: role === 'buyer' ? q.actor.buyer(viewer.id) : q.actor.seller(viewer.id) });
      if (!moved) {
        const [current] = await q.ordersByIds(tx, [orderId]);
        fail('INVALID_STATE', `The order is ${current?.status ?? 'gone'}; this cannot be done now.`, ['orderId']);
      }
      await extra?.(tx, moved);
      await recordStatusChanges(tx, [moved], reason, now);
      return moved;
    });
    this.kickCompensation();
    return row;
  }

  private feedbackDue() {
    const now = this.deps.clock.now();
    return q.assign.feedbackDeadline(new Date(now.getTime() + this.deps.config.orderClock.feedbackWindowS * 1000));
  }

  // ───────────────────────────── the sweeper (the `orders.deadlines` job) ─────────────────────────────

  /** Enforce every deadline that is due now, then settle give-backs. Safe to run anywhere, any number of times. */
  async sweepOnce(): Promise<void> {
    try {
      await this.sweepDeadlines();
    } finally {
      await this.compensate();
    }
  }

  private async sweepDeadlines(): Promise<void> {
    const clock = this.deps.config.orderClock;
    const kinds: {
      status: OrderStatus;
      column: 'payment_deadline' | 'ship_by_deadline' | 'delivery_deadline' | 'feedback_deadline';
      spec: (now: Date) => Omit<TransitionSpec, 'at'>;
      reason: string;
    }[] = [
      {
        status: 'PAYMENT_REQUIRED',
        column: 'payment_deadline',
        spec: () => ({ from: ['PAYMENT_REQUIRED'], to: 'CANCELLED', set: [q.assign.releaseStockAndCoupons()] }),
        reason: 'Payment deadline passed',
      },
      {
        status: 'SHIPMENT_REQUIRED',
        column: 'ship_by_deadline',
        spec: () => ({ from: ['SHIPMENT_REQUIRED'], to: 'CANCELLED', set: [q.assign.releaseStockAndRefund()] }),
        reason: 'Not shipped in time; payment refunded',
      },
      {
        status: 'UNCONFIRMED_DELIVERY',
        column: 'delivery_deadline',
        spec: (now) => ({
          from: ['UNCONFIRMED_DELIVERY'],
          to: 'FEEDBACK_REQUIRED',
          set: [q.assign.feedbackDeadline(new Date(now.getTime() + clock.feedbackWindowS * 1000))],
        }),
        reason: 'Delivery confirmed automatically',
      },
      {
        status: 'FEEDBACK_REQUIRED',
        column: 'feedback_deadline',
        spec: () => ({ from: ['FEEDBACK_REQUIRED'], to: 'COMPLETED' }),
        reason: 'Feedback window closed',
      },
    ];
    for (const k of kinds) {
      for (;;) {
        const now = this.deps.clock.now();
        const moved = await this.deps.db.drizzle.transaction(async (tx) => {
          const rows = await q.transitionDue(tx, k.status, k.column, now, 100, { ...k.spec(now), at: now });
          await recordStatusChanges(tx, rows, k.reason, now);
          return rows.length;
        });
        if (moved < 100) break;
      }
    }
  }

  // ───────────────────────────── compensation outbox (the `orders.compensation` job) ─────────────────────────────

  /** Settle give-backs soon, without waiting for the next sweep. */
  kickCompensation(): void {
    const kick = this.compensation?.kick;
    // a pass in progress may have leased before this commit: the second run is after it
    if (kick) void kick().then(kick);
  }

  /** Leases orders that owe a give-back, batch after batch, and settles them. */
  async compensate(): Promise<void> {
    for (;;) {
      const batch = await q.leaseCompensations(this.deps.db.drizzle, this.deps.clock.now(), 30, 50);
      for (const c of batch) await this.compensateOne(c);
      if (batch.length < 50) return;
    }
  }

  private async compensateOne(c: q.CompensationRow): Promise<void> {
    const { internal, db, log } = this.deps;
    const done = { stock: false, coupons: false, refund: false };
    try {
      if (c.releaseStockDue) {
        await internal.call('catalog', 'releaseStock', { key: c.reservationKey });
        done.stock = true;
      }
      if (c.releaseCouponsDue) {
        await internal.call('promotions', 'releaseCoupons', { orderIds: [c.id] });
        done.coupons = true;
      }
      if (c.refundDue) {
        // owed as a refund row, paid by the refunds job (service/refunds.ts) until the provider confirms
        if (c.paymentId) await q.oweCancellationRefund(db.drizzle, { orderId: c.id, paymentId: c.paymentId, total: c.total, at: this.deps.clock.now() });
        done.refund = true;
      }
    } catch (err) {
      log.warn('order give-back failed; will retry', { orderId: c.id, err, currency: CURRENCY });
    }
    await q.compensationDone(db.drizzle, c.id, done);
  }
}
