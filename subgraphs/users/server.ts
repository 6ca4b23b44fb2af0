/** Builds the users subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../kit/runtime.ts';
import type { BaseRequestContext } from '../kit/server.ts';
import { loadTypeDefs } from '../kit/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { UsersService } from './service.ts';

export interface UsersContext extends BaseRequestContext {
  service: UsersService;
  loaders: Loaders;
}

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new UsersService(deps);
  return {
    typeDefs: loadTypeDefs('users'),
    resolvers,
    context: (base): UsersContext => ({ ...base, service, loaders: createLoaders(deps.db) }),
  };
};
