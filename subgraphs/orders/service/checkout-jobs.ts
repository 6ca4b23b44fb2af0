/**
 * Checkout's durable side effects and its recovery (docs/orders.md, "Checkout").
 *
 * Jobs are rows of orders.checkout_jobs: release_stock { key } and
 * release_coupons { key } undo a step of a checkout attempt that did not become
 * orders; remove_cart_lines { cartId, lineIds } takes bought lines out of the
 * cart. A DUE job is leased (SKIP LOCKED, so several orders instances share the
 * work), run against catalog or promotions (whose operations are idempotent),
 * deleted when acknowledged, and otherwise retried with exponential backoff
 * (0.5 s doubling up to CHECKOUT_RETRY_MAX_MS) for as long as it takes.
 *
 * The recovery sweep frees the keys of attempts whose lease expired (their
 * process died or stalled) and makes their ARMED compensations DUE, so stock
 * and coupons taken by a dead attempt come back even if nobody retries.
 *
 * Both run on every ORDER_SWEEP_INTERVAL_MS in every orders instance (the
 * `orders.checkout-jobs` job, subgraph.ts), and a checkout runs its own jobs
 * right away after it commits or fails (`run(ids)`).
 */
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import type { InternalFailure } from './common.ts';

const JOB_LEASE_S = 30;
const BATCH = 50;
const FIRST_RETRY_MS = 500;

export class CheckoutJobs {
  constructor(private readonly deps: SubgraphDeps) {}

  /**
   * The `orders.checkout-jobs` job: recover expired claims, then run every due
   * job. Safe in any number of instances at once.
   */
  async sweepOnce(): Promise<void> {
    while ((await q.recoverExpiredCheckouts(this.deps.db.drizzle, this.deps.clock.now(), BATCH)) === BATCH);
    while ((await this.run()) === BATCH);
  }

  /**
   * Runs due jobs now: `ids` only (right after a checkout), or a batch of all.
   * A job that fails stays for a later try. Never throws; returns how many it leased.
   */
  async run(ids?: string[]): Promise<number> {
    let jobs: q.CheckoutJob[];
    try {
      jobs = await q.leaseCheckoutJobs(this.deps.db.drizzle, this.deps.clock.now(), JOB_LEASE_S, BATCH, ids);
    } catch (err) {
      this.deps.log.error('could not lease checkout jobs; the sweeper will retry', { err });
      return 0;
    }
    for (const job of jobs) await this.runOne(job);
    return jobs.length;
  }

  private async runOne(job: q.CheckoutJob): Promise<void> {
    const { db, log, clock, config } = this.deps;
    try {
      const answer = await this.call(job);
      if (answer && typeof answer === 'object' && (answer as InternalFailure).ok === false) {
        throw new Error(`${(answer as InternalFailure).error?.code ?? 'FAILED'}: ${(answer as InternalFailure).error?.message ?? ''}`);
      }
      await q.checkoutJobDone(db.drizzle, job.id);
    } catch (err) {
      const wait = Math.min(FIRST_RETRY_MS * 2 ** Math.min(job.tries - 1, 20), config.checkout.retryMaxMs);
      log.warn('checkout job failed; will retry', { job: job.kind, id: job.id, tries: job.tries, retryInMs: wait, err });
      await q.checkoutJobFailed(db.drizzle, job.id, new Date(clock.now().getTime() + wait), String(err)).catch(() => {
        /* the lease runs out and the job is tried again */
      });
    }
  }

  private call(job: q.CheckoutJob): Promise<unknown> {
    const { internal } = this.deps;
    switch (job.kind) {
      case 'release_stock':
        return internal.call('catalog', 'releaseStock', { key: job.payload.key });
      case 'release_coupons':
        return internal.call('promotions', 'releaseCoupons', { key: job.payload.key });
      case 'remove_cart_lines':
        return internal.call('catalog', 'removeCartLines', { cartId: job.payload.cartId, lineIds: job.payload.lineIds });
      default:
        return Promise.reject(new Error(`unknown checkout job kind ${String(job.kind)}`));
    }
  }
}
