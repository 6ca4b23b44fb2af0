/**
 * The promotions subgraph, declared in one place: schema, resolvers, per-request
 * context, internal operations (internal.ts) and event consumers (events.ts).
 * No background jobs and no demo data. index.ts makes it listen.
 */
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import { createContext } from './context.ts';
import { consumers } from './events.ts';
import { internalRoutes } from './internal.ts';
import { resolvers } from './resolvers.ts';
import { PromotionsService } from './service/index.ts';

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new PromotionsService(deps);
  return {
    typeDefs: loadTypeDefs('promotions'),
    resolvers,
    context: createContext(deps, service),
    internal: internalRoutes(service),
    consumers,
  };
};
