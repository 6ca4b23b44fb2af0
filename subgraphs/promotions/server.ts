/** Builds the promotions subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import type { RequestContext } from '../../platform/context.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { PromotionsService } from './service.ts';

export interface PromotionsContext extends RequestContext {
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
