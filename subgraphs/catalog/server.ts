/** Builds the catalog subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import type { RequestContext } from '../../platform/context.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { seedDemoCatalog } from './seed.ts';
import { CatalogService } from './service.ts';
import { internalRoutes } from './service/internal.ts';

export interface CatalogContext extends RequestContext {
  service: CatalogService;
  loaders: Loaders;
}

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new CatalogService(deps);
  // before demo data and before serving: every store has its name key (look-alike names)
  await service.products.backfillStoreNameKeys();
  return {
    typeDefs: loadTypeDefs('catalog'),
    resolvers,
    context: (base): CatalogContext => ({ ...base, service, loaders: createLoaders(deps.db) }),
    internal: internalRoutes(deps),
    seed: () => seedDemoCatalog(deps),
    start: async () => service.start(),
  };
};
