/**
 * The orders subgraph's rules, authorization and transactions, by area:
 * reads and the status subscription (orders.ts), the seller's counts and
 * dashboard (seller.ts), checkout (the saga), payments, the life cycle
 * (transitions, deadlines, give-backs), and tracking of shipments
 * (tracking.ts; shipping prices and estimates: shipping.ts).
 */
import type { Job } from '../../../platform/jobs.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { TestPaymentProvider, type PaymentProvider } from '../payments/provider.ts';
import { CheckoutService } from './checkout.ts';
import { LifecycleService } from './lifecycle.ts';
import { OrderReads } from './orders.ts';
import { PaymentService } from './payments.ts';
import { SellerReads } from './seller.ts';
import { TrackingService } from './tracking.ts';

export class OrdersService {
  readonly orders: OrderReads;
  readonly seller = new SellerReads();
  readonly checkouts: CheckoutService;
  readonly payments: PaymentService;
  readonly lifecycle: LifecycleService;
  readonly tracking: TrackingService;

  /** @param compensation the job that settles give-backs, woken after commits that make one due */
  constructor(deps: SubgraphDeps, compensation: Job, provider: PaymentProvider = new TestPaymentProvider(deps.db.drizzle)) {
    this.orders = new OrderReads(deps);
    this.checkouts = new CheckoutService(deps);
    this.lifecycle = new LifecycleService(deps, provider, compensation);
    this.tracking = new TrackingService(deps);
    this.payments = new PaymentService(deps, provider, () => this.lifecycle.kickCompensation());
  }
}
