/** The messaging subgraph, declared (importable by tests; index.ts makes it listen). */
import { loadTypeDefs } from '../../platform/schema-file.ts';
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import { createContext } from './context.ts';
import { consumers } from './events.ts';
import { internal } from './internal.ts';
import { resolvers } from './resolvers.ts';
import { MessagingService } from './service/index.ts';

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new MessagingService(deps);
  return {
    typeDefs: loadTypeDefs('messaging'),
    resolvers,
    context: createContext(deps, service),
    internal,
    consumers: consumers(service.inbox, deps.log),
    jobs: [],
  };
};
