/**
 * The orders subgraph, declared in one place: schema, resolvers, context,
 * internal operations, event consumers and background jobs.
 */
import type { Job } from '../../platform/jobs.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import { createContext } from './context.ts';
import { consumers } from './events.ts';
import { internalRoutes } from './internal.ts';
import { resolvers } from './resolvers.ts';
import { OrdersService } from './service/index.ts';

export const createSubgraph: SubgraphFactory = async (deps) => {
  const everyMs = deps.config.orderClock.sweepIntervalMs;
  // give-backs owed by a transition (stock, coupons, refunds), then refunds owed paid with the provider;
  // services wake it after such a commit
  const compensation: Job = {
    name: 'orders.compensation',
    everyMs,
    run: async () => {
      try {
        await service.lifecycle.compensate();
      } finally {
        await service.refunds.payOwed();
      }
    },
  };
  const service = new OrdersService(deps, compensation);
  const jobs: Job[] = [
    // deadlines that passed (payment, shipping, delivery, feedback), then give-backs
    {
      name: 'orders.deadlines',
      everyMs,
      run: async () => {
        try {
          await service.lifecycle.sweepOnce();
        } finally {
          // the buyer told when a dispute's answer deadline passed unanswered
          await service.disputes.noticeOverdue();
        }
      },
    },
    compensation,
    // checkout: expired claims recovered, durable side effects (stock, coupons, cart lines) run and retried
    { name: 'orders.checkout-jobs', everyMs, run: () => service.checkouts.jobs.sweepOnce() },
    // payments of dead attempts recovered, voided charges refunded
    { name: 'orders.payments', everyMs, run: () => service.payments.sweepOnce() },
  ];
  return {
    typeDefs: loadTypeDefs('orders'),
    resolvers,
    context: createContext(deps, service),
    internal: internalRoutes(service),
    consumers,
    jobs,
  };
};
