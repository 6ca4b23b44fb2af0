/**
 * The orders subgraph's rules, authorization and transactions, by area:
 * reads and the status subscription (orders.ts), checkout (the saga),
 * payments (with saved methods, Transactions and the provider's webhooks),
 * and the life cycle (transitions, deadlines, give-backs).
 */
import type { Job } from '../../../platform/jobs.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { createProvider } from '../payments/index.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { CheckoutService } from './checkout.ts';
import { LifecycleService } from './lifecycle.ts';
import { OrderReads } from './orders.ts';
import { PaymentMethods } from './payment-methods.ts';
import { PaymentService } from './payments.ts';
import { ProviderEvents } from './provider-events.ts';

export class OrdersService {
  readonly orders: OrderReads;
  readonly checkouts: CheckoutService;
  readonly payments: PaymentService;
  readonly lifecycle: LifecycleService;
  readonly methods: PaymentMethods;
  readonly providerEvents: ProviderEvents;

  /** @param compensation the job that settles give-backs, woken after commits that make one due */
  constructor(deps: SubgraphDeps, compensation: Job, provider: PaymentProvider = createProvider(deps)) {
    this.orders = new OrderReads(deps);
    this.checkouts = new CheckoutService(deps);
    this.lifecycle = new LifecycleService(deps, provider, compensation);
    this.payments = new PaymentService(deps, provider, () => this.lifecycle.kickCompensation());
    this.methods = new PaymentMethods(deps, provider);
    this.providerEvents = new ProviderEvents(deps, provider, this.payments);
  }
}
