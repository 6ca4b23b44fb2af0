/** Builds the messaging subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import type { RequestContext } from '../../platform/context.ts';
import { perEvent } from '../../platform/subscriptions/live.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { MessagingService } from './service.ts';
import { startConsumers } from './service/consumers.ts';

export interface MessagingContext extends RequestContext {
  service: MessagingService;
  loaders: Loaders;
  /** The loaders every subscription shares for one event (platform/subscriptions/live.ts perEvent). */
  eventLoaders(seq: number): Loaders;
}

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new MessagingService(deps);
  const fresh = () => createLoaders(deps.db, deps.internal, deps.log);
  const eventLoaders = perEvent(fresh);
  return {
    typeDefs: loadTypeDefs('messaging'),
    resolvers,
    context: (base): MessagingContext => ({ ...base, service, loaders: fresh(), eventLoaders }),
    async start() {
      startConsumers(service);
    },
  };
};
