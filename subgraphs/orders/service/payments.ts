/**
 * payOrders: one charge per (buyer, idempotencyKey).
 *
 * The key is claimed first (orders.payments, unique (buyer_id, key)); calls
 * that lose the claim wait for the winner and answer its result. The charge
 * happens outside any transaction; then one transaction moves the orders that
 * are still PAYMENT_REQUIRED to SHIPMENT_REQUIRED. An order the sweeper
 * cancelled in between is refunded through the compensation outbox.
 */
import type { Viewer } from '../../kit/auth.ts';
import { fail } from '../../kit/errors.ts';
import { isId, CURRENCY } from '../../kit/scalars.ts';
import type { SubgraphDeps } from '../../kit/runtime.ts';
import * as q from '../db/queries.ts';
import type { OrderRow, PaymentRow } from '../db/queries.ts';
import type { PaymentMethod, PaymentProvider } from '../payments/provider.ts';
import { recordStatusChanges, requireViewer } from './common.ts';

const WAIT_FOR_OTHER_MS = 20_000;

export interface PayResult {
  payment: PaymentRow | null;
  orders: OrderRow[];
}

export class PaymentService {
  constructor(
    private readonly deps: SubgraphDeps,
    readonly provider: PaymentProvider,
    private readonly afterCommit: () => void,
  ) {}

  async payOrders(viewerIn: Viewer | null, orderIdsIn: string[], payment: { method: PaymentMethod; token: string }, key: string): Promise<PayResult> {
    const viewer = requireViewer(viewerIn);
    const db = this.deps.db.drizzle;
    if (typeof key !== 'string' || !key.trim() || key.length > 200) fail('INVALID_INPUT', 'idempotencyKey must be 1–200 characters.', ['idempotencyKey']);
    const orderIds = [...new Set(orderIdsIn)];
    if (!orderIds.length || orderIds.length > 50) fail('INVALID_INPUT', 'Pay for 1–50 orders at once.', ['orderIds']);
    if (!orderIds.every(isId)) fail('NOT_FOUND', 'No such order.', ['orderIds']);
    if (typeof payment.token !== 'string' || !payment.token || payment.token.length > 200) fail('INVALID_INPUT', 'A payment token is required.', ['payment', 'token']);

    const started = Date.now();
    let claim: PaymentRow | null = null;
    for (;;) {
      claim = await q.claimPayment(db, viewer.id, key, payment.method);
      if (claim) break;
      const other = await q.getPayment(db, viewer.id, key);
      if (other && other.state !== 'PENDING') return this.answer(other);
      if (other && Date.now() - started > WAIT_FOR_OTHER_MS) {
        fail('INVALID_STATE', 'A payment with this idempotency key is still in progress.', ['idempotencyKey']);
      }
      if (other) await new Promise((r) => setTimeout(r, 25));
    }

    let charged: { reference: string; amount: number } | null = null;
    try {
      const orders = await q.ordersByIds(db, orderIds);
      if (orders.length !== orderIds.length || orders.some((o) => o.buyerId !== viewer.id)) {
        fail('NOT_FOUND', 'No such order.', ['orderIds']);
      }
      const notPayable = orders.find((o) => o.status !== 'PAYMENT_REQUIRED');
      if (notPayable) fail('INVALID_STATE', `Order ${notPayable.number} is ${notPayable.status}, not awaiting payment.`, ['orderIds']);
      const amount = orders.reduce((s, o) => s + o.total, 0);

      const result = await this.provider.charge({ amount, currency: CURRENCY, method: payment.method, token: payment.token, idempotencyKey: claim.id });
      if (result.status === 'INVALID') fail('INVALID_INPUT', result.message, ['payment', 'token']);
      if (result.status === 'DECLINED') {
        await q.settlePayment(db, claim.id, { state: 'DECLINED', amount, orderIds, declineMessage: result.message });
        fail('PAYMENT_DECLINED', result.message, ['payment']);
      }
      charged = { reference: result.reference, amount };
      const now = this.deps.clock.now();
      const shipBy = new Date(now.getTime() + this.deps.config.orderClock.shippingWindowS * 1000);
      const paymentId = claim.id;
      await db.transaction(async (tx) => {
        await q.settlePayment(tx, paymentId, { state: 'SUCCEEDED', amount, orderIds, providerRef: result.reference });
        const moved = await q.transitionMany(tx, orderIds, {
          from: ['PAYMENT_REQUIRED'],
          to: 'SHIPMENT_REQUIRED',
          set: [q.assign.shipByDeadline(shipBy), q.assign.paymentId(paymentId)],
          where: q.actor.buyer(viewer.id),
          at: now,
        });
        // An order cancelled between our check and the charge: paid for, so refund it.
        const missed = orderIds.filter((id) => !moved.some((m) => m.id === id));
        for (const id of missed) await q.markRefundOwed(tx, id, paymentId);
        await recordStatusChanges(tx, moved, 'Payment received', now);
      });
      this.afterCommit();
      return this.answer((await q.getPayment(db, viewer.id, key))!);
    } catch (err) {
      if (charged) {
        // charged, but the orders could not be updated: give the money back, then free the key
        const c = charged;
        this.deps.log.error('payment charged but not recorded; refunding', { paymentId: claim.id, err: String(err) });
        await this.provider.refund({ reference: c.reference, amount: c.amount, idempotencyKey: `void:${claim.id}` }).catch((e) =>
          this.deps.log.error('refund of an unrecorded charge failed', { paymentId: claim.id, err: String(e) }),
        );
      }
      await q.deletePendingPayment(db, claim.id).catch(() => {});
      throw err;
    }
  }

  private async answer(p: PaymentRow): Promise<PayResult> {
    const orders = await q.ordersByIds(this.deps.db.drizzle, p.orderIds);
    if (p.state === 'DECLINED') fail('PAYMENT_DECLINED', p.declineMessage ?? 'The payment was declined.', ['payment']);
    return { payment: p, orders: p.orderIds.map((id) => orders.find((o) => o.id === id)!).filter(Boolean) };
  }
}
