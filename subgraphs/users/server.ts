/** Builds the users subgraph (importable by tests; index.ts makes it listen). */
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import type { RequestContext } from '../../platform/context.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { UsersService } from './service.ts';

export interface UsersContext extends RequestContext {
  service: UsersService;
  loaders: Loaders;
}

const PRUNE_EVERY_MS = 10 * 60 * 1000;

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new UsersService(deps);
  let pruner: NodeJS.Timeout | undefined;
  return {
    typeDefs: loadTypeDefs('users'),
    resolvers,
    context: (base): UsersContext => ({ ...base, service, loaders: createLoaders(deps.db) }),
    internal: {
      shippingAddress: (input: { userId?: unknown; addressId?: unknown }) =>
        service.shippingAddressFor(input?.userId, input?.addressId),
      profiles: (input: { ids?: unknown }) => service.profiles(input?.ids),
    },
    seed: () => service.seedDemo(),
    async start() {
      await service.ensureAdmin();
      pruner = setInterval(() => {
        service.prune().catch((err) => deps.log.warn('users housekeeping failed', { err: String(err) }));
      }, PRUNE_EVERY_MS);
      pruner.unref();
    },
    async stop() {
      if (pruner) clearInterval(pruner);
    },
  };
};
