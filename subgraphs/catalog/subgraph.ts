/**
 * The catalog subgraph, declared: schema, resolvers, request context, internal
 * operations, event consumers and demo data (index.ts makes it listen).
 */
import { loadTypeDefs } from '../../platform/schema-file.ts';
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import { createContext } from './context.ts';
import { consumers } from './events.ts';
import { internalRoutes } from './internal.ts';
import { resolvers } from './resolvers.ts';
import { seedDemoCatalog } from './seed.ts';
import { CatalogService } from './service/index.ts';

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new CatalogService(deps);
  // before demo data and before serving: every store has its name key (look-alike names)
  await service.stores.backfillStoreNameKeys();
  return {
    typeDefs: loadTypeDefs('catalog'),
    resolvers,
    context: createContext(deps.db, service),
    internal: internalRoutes(service),
    consumers: consumers(service.lists),
    jobs: [],
    seed: () => seedDemoCatalog(deps),
  };
};
