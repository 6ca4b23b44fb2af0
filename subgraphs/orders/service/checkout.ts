/**
 * Checkout: a saga over catalog (quote, stock) and promotions (coupons), then
 * one transaction that writes the orders, their history and their events.
 * It survives crashes, retries and abuse (docs/orders.md, "Checkout"):
 *
 * 1. Claim (buyer, idempotencyKey) in orders.checkouts for a fresh attempt id,
 *    with a lease (CHECKOUT_LEASE_S). A second call with the same key waits up
 *    to CHECKOUT_WAIT_MS for the first and answers its orders, or INVALID_STATE
 *    "still in progress"; if the holder's lease has expired (its process died)
 *    it takes the claim over (conditional UPDATE on the old attempt id) and the
 *    old attempt's compensations become due.
 * 2. Quote the cart lines (catalog checkoutQuote): never the viewer's own store
 *    (OWN_STORE), never a line that already became an order. The address
 *    (users shippingAddress); group the lines per store.
 * 3. Redeem coupons (promotions redeemCoupons), compare the total with
 *    `expectedTotal` (PRICE_CHANGED), reserve stock per store order (catalog
 *    reserveStock). Before each of these remote steps, one transaction renews
 *    the lease (stopping here if the attempt lost the key) and writes the job
 *    that would undo the step, ARMED. Keys carry the attempt id, so a failed
 *    attempt's keys are never reused.
 * 4. One transaction: the claim becomes DONE (only for the attempt holding it:
 *    an attempt that was taken over can never complete), orders, lines,
 *    ordered cart lines, history, events; the ARMED jobs are dropped and a
 *    remove_cart_lines job is written.
 * 5. After commit the removal runs at once; if catalog does not answer, the
 *    job is retried until it does (checkout-jobs.ts).
 *
 * Any failure makes the attempt's ARMED jobs DUE and frees the key in one
 * transaction, then runs them: what catalog or promotions do not acknowledge
 * now is retried by the worker. A failed checkout changes nothing, eventually
 * even when a subgraph is down. No transaction is open during a remote call.
 */
import crypto from 'node:crypto';
import type { Viewer } from '../../../platform/auth.ts';
import { fail, UserErrorException } from '../../../platform/errors.ts';
import { money, parseMoney } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import type { OrderRow } from '../db/queries/index.ts';
import { CheckoutJobs } from './checkout-jobs.ts';
import { validInput } from '../../../platform/validate.ts';
import { CheckoutInput as CheckoutRules } from './inputs.ts';
import { applyDiscounts, quoteDrafts } from './checkout-drafts.ts';
import { sortLike, type CheckoutInput, type Redeem } from './checkout-input.ts';
import { recordStatusChanges, type InternalFailure } from './common.ts';

type Step = { kind: q.CheckoutJobKind; payload: Record<string, unknown> };

/** The attempt lost its key (taken over after its lease ran out, or recovered): it must stop. */
class ClaimLost extends Error {
  constructor() {
    super('checkout claim lost');
  }
}

export class CheckoutService {
  readonly jobs: CheckoutJobs;

  constructor(private readonly deps: SubgraphDeps) {
    this.jobs = new CheckoutJobs(deps);
  }

  async checkout(viewer: Viewer, input: CheckoutInput): Promise<{ orders: OrderRow[] }> {
    validInput(CheckoutRules, input, { field: ['input'] });
    const { db, clock, config } = this.deps;
    const key = input.idempotencyKey;
    const giveUpAt = Date.now() + config.checkout.waitMs;
    for (;;) {
      const attempt = crypto.randomUUID();
      if (await q.claimCheckout(db.drizzle, viewer.id, key, attempt, this.leaseUntil())) {
        return this.run(viewer, input, attempt);
      }
      // Someone (maybe a racing twin of this very call) holds the key.
      const claim = await q.getCheckout(db.drizzle, viewer.id, key);
      if (claim?.state === 'DONE') return { orders: sortLike(await q.ordersByIds(db.drizzle, claim.orderIds), claim.orderIds) };
      if (!claim) continue; // the holder failed and freed the key: try ourselves
      const now = clock.now();
      if (!claim.leaseUntil || claim.leaseUntil.getTime() < now.getTime()) {
        // the holder stopped renewing its lease (its process died): take the key over
        const due = await q.takeOverCheckout(db.drizzle, {
          buyerId: viewer.id,
          key,
          oldAttempt: claim.attempt,
          newAttempt: attempt,
          now,
          leaseUntil: this.leaseUntil(),
        });
        if (due) {
          // give back what the dead attempt took first, so that its coupons can be used again
          await this.jobs.run(due);
          // that may have taken most of the lease: renew it before the quote (lost meanwhile: look again)
          if (!(await q.renewCheckoutLease(db.drizzle, viewer.id, key, attempt, this.leaseUntil()))) continue;
          return this.run(viewer, input, attempt);
        }
        continue;
      }
      if (Date.now() >= giveUpAt) {
        fail('INVALID_STATE', 'A checkout with this idempotency key is still in progress; try again shortly.', ['input', 'idempotencyKey']);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private leaseUntil(): Date {
    return new Date(this.deps.clock.now().getTime() + this.deps.config.checkout.leaseS * 1000);
  }

  /**
   * Before a remote step: renew the attempt's lease and write the job that undoes
   * the step, ARMED, in one transaction. Throws ClaimLost when the attempt no
   * longer holds the key (then the step is not taken).
   */
  private async arm(viewer: Viewer, key: string, attempt: string, taken: Step[], kind: q.CheckoutJobKind, payload: Record<string, unknown>): Promise<void> {
    await this.deps.db.drizzle.transaction(async (tx) => {
      if (!(await q.renewCheckoutLease(tx, viewer.id, key, attempt, this.leaseUntil()))) throw new ClaimLost();
      await q.insertCheckoutJob(tx, { buyerId: viewer.id, key, attempt, kind, payload, state: 'ARMED', now: this.deps.clock.now() });
    });
    taken.push({ kind, payload });
  }

  /**
   * The attempt lost its key while it was still working: whoever took the key
   * over already ran this attempt's jobs, perhaps before a step of ours landed
   * (a coupon redeemed after its release). Undo every step again (the
   * operations are idempotent, and this attempt's keys belong to no order).
   */
  private async undoAgain(viewer: Viewer, key: string, attempt: string, taken: Step[]): Promise<string[]> {
    if (!taken.length) return [];
    const now = this.deps.clock.now();
    return this.deps.db.drizzle.transaction(async (tx) => {
      const ids: string[] = [];
      for (const s of taken) ids.push(await q.insertCheckoutJob(tx, { buyerId: viewer.id, key, attempt, kind: s.kind, payload: s.payload, state: 'DUE', now }));
      return ids;
    });
  }

  private async run(viewer: Viewer, input: CheckoutInput, attempt: string): Promise<{ orders: OrderRow[] }> {
    const { db, internal, clock } = this.deps;
    const key = input.idempotencyKey;
    // the idempotency key hashed: the saga's keys stay short whatever its length (1–200)
    const sagaKey = `checkout:${viewer.id}:${crypto.createHash('sha256').update(key).digest('hex')}:${attempt}`;
    const taken: Step[] = [];
    try {
      // 2. what is being bought, and where to: one draft order per store (checkout-drafts.ts)
      const { cartId, drafts, now } = await quoteDrafts(this.deps, viewer, input, sagaKey);

      // 3a. coupons
      const codes = [...new Set((input.couponCodes ?? []).map((c) => c.trim()).filter(Boolean))];
      if (codes.length) {
        await this.arm(viewer, key, attempt, taken, 'release_coupons', { key: sagaKey });
        const redeem = await internal.call<Redeem>('promotions', 'redeemCoupons', {
          key: sagaKey,
          buyerId: viewer.id,
          codes,
          orders: drafts.map((d) => ({ orderId: d.id, storeId: d.storeId, subtotal: d.subtotal })),
        });
        if (!redeem.ok) {
          // the key was released: this attempt was taken over and its give-backs ran
          if (redeem.error.code === 'KEY_RELEASED') throw new ClaimLost();
          const code = redeem.error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'COUPON_NOT_APPLICABLE';
          fail(code, redeem.error.message || 'A coupon cannot be applied.', ['input', 'couponCodes']);
        }
        applyDiscounts(drafts, redeem.applications);
      }

      // 3b. the total the buyer saw: every store order's total, after discounts and shipping
      if (input.expectedTotal != null) {
        const total = drafts.reduce((s, d) => s + d.total, 0);
        if (total !== parseMoney(input.expectedTotal)) {
          fail('PRICE_CHANGED', `The total changed: it is now ${money(total).amount}.`, ['input', 'expectedTotal']);
        }
      }

      // 3c. stock, per store order (so each order can give its own back)
      for (const d of drafts) {
        await this.arm(viewer, key, attempt, taken, 'release_stock', { key: d.reservationKey });
        const r = await internal.call<{ ok: true } | InternalFailure>('catalog', 'reserveStock', {
          key: d.reservationKey,
          items: d.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
        });
        if (!r.ok) {
          const code = r.error.code === 'OUT_OF_STOCK' ? 'OUT_OF_STOCK' : r.error.code || 'INVALID_INPUT';
          fail(code, r.error.message || 'Not enough stock.', ['input', 'lineIds']);
        }
      }

      // 4. one transaction for the claim, the orders, their history and events, and the cart's job
      let removal = '';
      const orders = await db.drizzle.transaction(async (tx) => {
        const ids = drafts.map((d) => d.id);
        if (!(await q.completeCheckout(tx, viewer.id, key, attempt, ids))) throw new ClaimLost();
        const rows: OrderRow[] = [];
        for (const d of drafts) rows.push(await q.insertOrder(tx, d));
        const bought = drafts.flatMap((d) => d.cartLineIds.map((cartLineId) => ({ cartLineId, orderId: d.id })));
        if (!(await q.recordOrderedCartLines(tx, bought, now))) {
          fail('NOT_FOUND', 'A cart line was already ordered by another checkout.', ['input', 'lineIds']);
        }
        removal = await q.insertCheckoutJob(tx, {
          buyerId: viewer.id,
          key,
          attempt,
          kind: 'remove_cart_lines',
          payload: { cartId, lineIds: bought.map((b) => b.cartLineId) },
          state: 'DUE',
          now,
        });
        await recordStatusChanges(tx, rows, 'Order placed', now);
        return rows;
      });

      // 5. the bought lines leave the cart now, or as soon as catalog answers
      await this.jobs.run([removal]);
      return { orders };
    } catch (err) {
      const due = await q.abandonCheckout(db.drizzle, viewer.id, key, attempt, clock.now()).catch((e) => {
        // the lease runs out and the recovery sweep does the same
        this.deps.log.error('could not free a checkout key', { err: e });
        return [] as string[];
      });
      if (taken.length) {
        // every failure after a step (not only ClaimLost): a step may have landed after its undo ran
        due.push(
          ...(await this.undoAgain(viewer, key, attempt, taken).catch((e) => {
            this.deps.log.error('could not write the give-backs of a checkout that lost its key', { err: e });
            return [] as string[];
          })),
        );
      }
      await this.jobs.run(due);
      if (err instanceof UserErrorException) throw err;
      if (err instanceof ClaimLost) {
        fail('INVALID_STATE', 'A newer call with this idempotency key took over; try again shortly to get its result.', ['input', 'idempotencyKey']);
      }
      this.deps.log.error('checkout failed', { err });
      fail('CHECKOUT_FAILED', 'The checkout could not be completed; nothing was charged or reserved. Please try again.');
    }
  }
}
