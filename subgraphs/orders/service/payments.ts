/**
 * payOrders: an order is charged at most once, whatever the idempotency keys.
 *
 * 1. One transaction claims the key (orders.payments, unique (buyer, key), with
 *    a lease of PAYMENT_CLAIM_LEASE_S) and every order (orders.paying_payment_id,
 *    a conditional UPDATE on orders awaiting payment and claimed by no other
 *    attempt): all of them or none. So at most one attempt per order reaches the
 *    provider; the others answer INVALID_STATE at once. A call with the same key
 *    waits up to TWIN_WAIT_MS for the first and answers its result, or
 *    INVALID_STATE "still in progress".
 * 2. The provider is asked to charge with the payment's id as its idempotency
 *    key, outside any transaction.
 * 3. One transaction settles the payment (only from PENDING or REQUIRES_ACTION:
 *    the first to settle wins) and moves the orders it holds to SHIPMENT_REQUIRED.
 *    When the buyer must act first (3-D Secure), the payment becomes
 *    REQUIRES_ACTION and keeps its claims until the provider's webhook settles it
 *    (provider-events.ts) or its action deadline (PAYMENT_ACTION_TIMEOUT_S, kept
 *    in the lease) passes and it is recovered like a dead attempt.
 *
 * An attempt whose process dies leaves a PENDING payment with a lease. Once the
 * lease has passed, the sweeper (or a call with the same key, or one blocked by
 * the claim) recovers it: it asks the provider what became of that key, which
 * also closes an unused key for good. Charged → recorded as above; not charged
 * → the payment and its claims are freed, and the key may be used again.
 *
 * Defence in depth: a charge whose orders turn out to be paid already by another
 * payment is refunded (payments.void_due, retried by the sweeper until the
 * provider confirms) and its payment becomes VOIDED; an order cancelled between
 * the claim and the charge owes its share back through the order's refund
 * (lifecycle compensation outbox), as before.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import { CURRENCY } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import type { OrderRow, PaymentRow } from '../db/queries/index.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { paymentSource, type PaymentInput } from './payment-source.ts';
import { recordStatusChanges } from './common.ts';
import { PayInput } from './inputs.ts';

/** How long a call waits for a twin (same key) in progress before answering "still in progress". */
export const TWIN_WAIT_MS = 2000;

export interface PayResult {
  payment: PaymentRow | null;
  orders: OrderRow[];
}

type Claimed = { kind: 'claimed'; payment: PaymentRow } | { kind: 'twin'; payment: PaymentRow } | { kind: 'blocked'; by: PaymentRow[] };

export class PaymentService {
  constructor(
    private readonly deps: SubgraphDeps,
    readonly provider: PaymentProvider,
    private readonly afterCommit: () => void,
  ) {}

  async payOrders(viewer: Viewer, orderIdsIn: string[], payment: PaymentInput, key: string): Promise<PayResult> {
    const { orderIds } = validInput(PayInput, { idempotencyKey: key, orderIds: orderIdsIn });
    const source = await paymentSource(this.deps.db.drizzle, viewer, payment);

    const started = Date.now();
    let recovered = false;
    let claim: PaymentRow;
    for (let round = 0; ; round++) {
      const c = await this.claim(viewer.id, key, payment.method, orderIds, source.savedMethodId);
      if (c.kind === 'claimed') {
        claim = c.payment;
        break;
      }
      if (c.kind === 'twin' && c.payment.state !== 'PENDING') return this.answer(c.payment);
      const holders = c.kind === 'twin' ? [c.payment] : c.by;
      // an attempt whose lease has passed is presumed dead: recover it, then claim again
      const stale = holders.filter((p) => this.expired(p));
      if (stale.length && !recovered) {
        recovered = true;
        for (const p of stale) await this.recover(p);
        continue;
      }
      if (c.kind === 'blocked') {
        if (!holders.length && round < 3) continue; // the holder finished just now: claim again
        fail('INVALID_STATE', 'A payment for these orders is already in progress; wait for its result before paying again.', ['orderIds']);
      }
      if (Date.now() - started > TWIN_WAIT_MS) {
        fail('INVALID_STATE', 'A payment with this idempotency key is still in progress; try again shortly.', ['idempotencyKey']);
      }
      await new Promise((r) => setTimeout(r, 50));
    }

    let result;
    try {
      result = await this.provider.charge({
        amount: claim.amount,
        currency: CURRENCY,
        method: payment.method,
        token: source.token,
        customerRef: source.customerRef,
        idempotencyKey: claim.id,
      });
    } catch (err) {
      // the outcome is unknown: settle it now if the provider answers, else the sweeper will after the lease
      this.deps.log.error('payment provider failed; settling the payment by its key', { paymentId: claim.id, err });
      await this.settleByProvider(claim).catch(() => {});
      throw err;
    }
    const db = this.deps.db.drizzle;
    if (result.status === 'INVALID') {
      await db.transaction(async (tx) => {
        if (await q.deletePendingPayment(tx, claim.id)) await q.releaseOrderClaims(tx, claim.id, claim.orderIds);
      });
      fail('INVALID_INPUT', result.message, ['payment', 'token']);
    }
    if (result.status === 'CANCELLED') {
      // this attempt outlived its lease and was recovered as "not charged" meanwhile
      fail('INVALID_STATE', 'The payment took too long and was abandoned; nothing was charged. Try again.', ['idempotencyKey']);
    }
    if (result.status === 'REQUIRES_ACTION') {
      // the claims stay until the provider's webhook settles it, or the action deadline passes (sweeper)
      const until = new Date(this.deps.clock.now().getTime() + this.deps.config.payments.actionTimeoutS * 1000);
      await q.awaitAction(db, claim.id, { providerRef: result.reference, nextActionUrl: result.nextActionUrl, until });
    } else if (result.status === 'DECLINED') {
      const message = result.message;
      await db.transaction(async (tx) => {
        if (await q.settlePayment(tx, claim.id, { state: 'DECLINED', declineMessage: message })) await q.releaseOrderClaims(tx, claim.id, claim.orderIds);
      });
    } else {
      await this.recordCharge(claim, result.reference);
    }
    const settled = await q.getPayment(db, viewer.id, key);
    // recovered meanwhile as "not charged" (its lease passed): the payment and its claims are gone
    if (!settled) fail('INVALID_STATE', 'The payment took too long and was abandoned; nothing was charged. Try again.', ['idempotencyKey']);
    return this.answer(settled);
  }

  /**
   * One transaction: the key, then every order, all or nothing. Answers the
   * claimed payment, the twin holding the key, or the attempts holding the orders.
   */
  private async claim(buyerId: string, key: string, method: string, orderIds: string[], savedMethodId: string | null): Promise<Claimed> {
    const db = this.deps.db.drizzle;
    const now = this.deps.clock.now();
    const lease = new Date(now.getTime() + this.deps.config.paymentClaimLeaseS * 1000);
    const blocked = Symbol('blocked');
    try {
      return await db.transaction(async (tx) => {
        const orders = await q.ordersByIds(tx, orderIds);
        const amount = orders.reduce((s, o) => s + o.total, 0);
        const payment = await q.claimPayment(tx, { buyerId, key, method, orderIds, amount, leaseUntil: lease, savedMethodId });
        if (!payment) {
          const twin = await q.getPayment(tx, buyerId, key);
          // (the twin freed its key just now: claim again)
          return (twin ? { kind: 'twin', payment: twin } : { kind: 'blocked', by: [] }) as Claimed;
        }
        // any failure below rolls the key back
        if (orders.length !== orderIds.length || orders.some((o) => o.buyerId !== buyerId)) fail('NOT_FOUND', 'No such order.', ['orderIds']);
        const notPayable = orders.find((o) => o.status !== 'PAYMENT_REQUIRED');
        if (notPayable) fail('INVALID_STATE', `Order ${notPayable.number} is ${notPayable.status}, not awaiting payment.`, ['orderIds']);
        const got = await q.claimOrdersForPayment(tx, payment.id, buyerId, orderIds);
        if (got.length !== orderIds.length) throw blocked; // roll back the key and the claims we did get
        return { kind: 'claimed', payment } as Claimed;
      });
    } catch (err) {
      if (err !== blocked) throw err;
    }
    // lost the orders to another attempt (or they moved on since we read them)
    const orders = await q.ordersByIds(db, orderIds);
    const notPayable = orders.find((o) => o.status !== 'PAYMENT_REQUIRED');
    if (notPayable) fail('INVALID_STATE', `Order ${notPayable.number} is ${notPayable.status}, not awaiting payment.`, ['orderIds']);
    return { kind: 'blocked', by: await q.paymentClaimsOn(db, orderIds) };
  }

  /** An open payment whose lease (PENDING) or action deadline (REQUIRES_ACTION) has passed. */
  private expired(p: PaymentRow): boolean {
    return (p.state === 'PENDING' || p.state === 'REQUIRES_ACTION') && (p.leaseUntil === null || p.leaseUntil.getTime() < this.deps.clock.now().getTime());
  }

  /**
   * Records a charge the provider made for `payment`: settles it (only from
   * PENDING) and moves its orders in one transaction. Orders that can no longer
   * take it owe their share back.
   */
  async recordCharge(payment: PaymentRow, reference: string, reason = 'Payment received'): Promise<boolean> {
    const now = this.deps.clock.now();
    const settled = await this.deps.db.drizzle.transaction(async (tx) => {
      const p = await q.settlePayment(tx, payment.id, { state: 'SUCCEEDED', providerRef: reference });
      if (!p) return false; // settled by someone else (the same charge: the same key)
      const moved = await q.transitionMany(tx, p.orderIds, {
        from: ['PAYMENT_REQUIRED'],
        to: 'SHIPMENT_REQUIRED',
        set: [q.assign.shipByAfterHandling(now, this.deps.config.orderClock.shippingWindowS), q.assign.paymentId(p.id), q.assign.noPaymentClaim()],
        where: q.actor.payingBuyer(p.buyerId, p.id),
        at: now,
      });
      const missed = await q.ordersByIds(
        tx,
        p.orderIds.filter((id) => !moved.some((m) => m.id === id)),
      );
      let owed = 0;
      for (const o of missed) {
        if (o.status === 'CANCELLED' && o.paymentId === null) {
          // cancelled between the claim and the charge: the order's own refund gives its share back
          await q.markRefundOwed(tx, o.id, p.id);
        } else {
          owed += o.total; // paid by another payment meanwhile: this charge's share goes back
        }
      }
      if (owed > 0) {
        await q.voidPayment(tx, p.id, owed, moved.length === 0 && missed.every((o) => o.status !== 'CANCELLED'));
        this.deps.log.warn('a second charge for orders already paid; refunding it', { paymentId: p.id, amount: owed });
      }
      await q.releaseOrderClaims(tx, p.id, p.orderIds);
      await recordStatusChanges(tx, moved, reason, now);
      return true;
    });
    if (settled) {
      this.afterCommit();
      void this.settleVoids();
    }
    return settled;
  }

  /** Asks the provider what became of `payment`'s charge and settles it accordingly. */
  async settleByProvider(payment: PaymentRow): Promise<void> {
    const outcome = await this.provider.resolveCharge(payment.id);
    if (outcome.status === 'SUCCEEDED') {
      await this.recordCharge(payment, outcome.reference);
      return;
    }
    // nothing charged, and nothing ever will be with this key: free the key and the orders
    await this.deps.db.drizzle.transaction(async (tx) => {
      if (await q.deletePendingPayment(tx, payment.id)) await q.releaseOrderClaims(tx, payment.id, payment.orderIds);
    });
  }

  /**
   * The buyer's action failed (3-D Secure refused): the provider's intent is
   * closed first (cancelled unless it succeeded meanwhile), then the payment is
   * DECLINED and its orders freed; a retry needs a new key.
   */
  async declineAfterAction(payment: PaymentRow, message: string): Promise<void> {
    const outcome = await this.provider.resolveCharge(payment.id);
    if (outcome.status === 'SUCCEEDED') {
      await this.recordCharge(payment, outcome.reference);
      return;
    }
    await this.deps.db.drizzle.transaction(async (tx) => {
      if (await q.settlePayment(tx, payment.id, { state: 'DECLINED', declineMessage: message })) await q.releaseOrderClaims(tx, payment.id, payment.orderIds);
    });
  }

  /** Recovers a PENDING payment whose lease has passed (its attempt died); one recoverer wins the lease. */
  async recover(stale: PaymentRow): Promise<void> {
    const mine = await q.leaseStalePayment(this.deps.db.drizzle, stale.id, this.deps.clock.now(), this.deps.config.paymentClaimLeaseS);
    if (!mine) return;
    this.deps.log.warn('recovering a payment whose attempt died', { paymentId: mine.id });
    await this.settleByProvider(mine);
  }

  private async answer(p: PaymentRow): Promise<PayResult> {
    if (p.state === 'DECLINED') fail('PAYMENT_DECLINED', p.declineMessage ?? 'The payment was declined.', ['payment']);
    if (p.state === 'VOIDED') {
      fail('INVALID_STATE', 'These orders were already paid by another payment; this charge is refunded.', ['orderIds']);
    }
    const orders = await q.ordersByIds(this.deps.db.drizzle, p.orderIds);
    return { payment: p, orders: p.orderIds.map((id) => orders.find((o) => o.id === id)!).filter(Boolean) };
  }

  // ───────────────────────────── the payments sweeper (the `orders.payments` job) ─────────────────────────────

  /** Recovers payments of dead attempts, then refunds voided charges. Safe in any number of instances. */
  async sweepOnce(): Promise<void> {
    for (const p of await q.stalePayments(this.deps.db.drizzle, this.deps.clock.now(), 20)) {
      await this.recover(p).catch((err) => this.deps.log.error('payment recovery failed; retrying next sweep', { paymentId: p.id, err }));
    }
    await this.settleVoids();
  }

  /** Refunds what voided charges owe (provider key `void:<paymentId>`), until the provider confirms. */
  private async settleVoids(): Promise<void> {
    const db = this.deps.db.drizzle;
    const batch = await q.leaseVoids(db, this.deps.clock.now(), 30, 20);
    for (const v of batch) {
      try {
        const r = await this.provider.refund({ reference: v.providerRef, amount: v.voidAmount, idempotencyKey: `void:${v.id}` });
        await q.voidDone(db, v.id, r.reference);
      } catch (err) {
        this.deps.log.warn('refund of a voided charge failed; will retry', { paymentId: v.id, err });
        await q.voidDone(db, v.id, null).catch(() => {});
      }
    }
  }
}
