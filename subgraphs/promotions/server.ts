/** Builds the promotions subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../kit/runtime.ts';
import type { BaseRequestContext } from '../kit/server.ts';
import { loadTypeDefs } from '../kit/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { PromotionsService } from './service.ts';

export interface PromotionsContext extends BaseRequestContext {
  service: PromotionsService;
  loaders: Loaders;
}

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new PromotionsService(deps);
  return {
    typeDefs: loadTypeDefs('promotions'),
    resolvers,
    context: (base): PromotionsContext => ({
      ...base,
      service,
      loaders: createLoaders(deps.db, deps.clock, base.viewer?.id ?? null),
    }),
    internal: service.internalRoutes(),
    async start() {
      service.startConsumers();
    },
  };
};
