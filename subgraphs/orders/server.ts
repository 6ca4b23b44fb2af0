/** Builds the orders subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import type { RequestContext } from '../../platform/context.ts';
import { perEvent } from '../../platform/subscriptions/live.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { OrdersService } from './service.ts';

export interface OrdersContext extends RequestContext {
  service: OrdersService;
  loaders: Loaders;
  /** The loaders every subscription shares for one event (platform/subscriptions/live.ts perEvent). */
  eventLoaders(seq: number): Loaders;
}

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new OrdersService(deps);
  const eventLoaders = perEvent(() => createLoaders(deps));
  return {
    typeDefs: loadTypeDefs('orders'),
    resolvers,
    context: (base): OrdersContext => ({ ...base, service, loaders: createLoaders(deps), eventLoaders }),
    internal: {
      pendingOrders: (input: { userId?: unknown }) => service.pendingOrders(input),
    },
    async start() {
      service.start();
    },
    async stop() {
      await service.stop();
    },
  };
};
