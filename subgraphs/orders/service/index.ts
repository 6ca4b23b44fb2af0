/**
 * The orders subgraph's rules, authorization and transactions, by area:
 * reads and the status subscription (orders.ts), the seller's counts and
 * dashboard (seller.ts), checkout (the saga), payments (with saved methods,
 * Transactions and the provider's webhooks), the life cycle (transitions,
 * deadlines, give-backs), tracking of shipments (tracking.ts; shipping prices
 * and estimates: shipping.ts), disputes, refunds (paying what is owed) and
 * feedback.
 */
import type { Job } from '../../../platform/jobs.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { createProvider } from '../payments/index.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { CheckoutService } from './checkout.ts';
import { DisputeService } from './disputes.ts';
import { FeedbackService } from './feedback.ts';
import { LifecycleService } from './lifecycle.ts';
import { OrderReads } from './orders.ts';
import { PaymentMethods } from './payment-methods.ts';
import { PaymentService } from './payments.ts';
import { RefundService } from './refunds.ts';
import { SellerReads } from './seller.ts';
import { TrackingService } from './tracking.ts';
import { ProviderEvents } from './provider-events.ts';

export class OrdersService {
  readonly orders: OrderReads;
  readonly seller = new SellerReads();
  readonly checkouts: CheckoutService;
  readonly payments: PaymentService;
  readonly lifecycle: LifecycleService;
  readonly tracking: TrackingService;
  readonly disputes: DisputeService;
  readonly refunds: RefundService;
  readonly feedback: FeedbackService;
  readonly methods: PaymentMethods;
  readonly providerEvents: ProviderEvents;

  /** @param compensation the job that settles give-backs, woken after commits that make one due */
  constructor(deps: SubgraphDeps, compensation: Job, provider: PaymentProvider = createProvider(deps)) {
    this.orders = new OrderReads(deps);
    this.checkouts = new CheckoutService(deps);
    this.lifecycle = new LifecycleService(deps, compensation);
    this.tracking = new TrackingService(deps);
    this.disputes = new DisputeService(deps, this.lifecycle);
    this.refunds = new RefundService(deps, provider);
    this.feedback = new FeedbackService(deps, this.lifecycle);
    this.payments = new PaymentService(deps, provider, () => this.lifecycle.kickCompensation());
    this.methods = new PaymentMethods(deps, provider);
    this.providerEvents = new ProviderEvents(deps, provider, this.payments);
  }
}
