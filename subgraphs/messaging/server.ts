/** Builds the messaging subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../kit/runtime.ts';
import type { BaseRequestContext } from '../kit/server.ts';
import { loadTypeDefs } from '../kit/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { MessagingService } from './service.ts';
import { startConsumers } from './service/consumers.ts';

export interface MessagingContext extends BaseRequestContext {
  service: MessagingService;
  loaders: Loaders;
  /** New, empty loaders (a subscription takes fresh ones for each event). */
  freshLoaders(): Loaders;
}

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new MessagingService(deps);
  const fresh = () => createLoaders(deps.db, deps.internal, deps.log);
  return {
    typeDefs: loadTypeDefs('messaging'),
    resolvers,
    context: (base): MessagingContext => ({ ...base, service, loaders: fresh(), freshLoaders: fresh }),
    async start() {
      startConsumers(service);
    },
  };
};
