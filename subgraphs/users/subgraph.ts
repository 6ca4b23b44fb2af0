/**
 * The users subgraph, declared in one place: schema, resolvers, per-request
 * context, internal operations (internal.ts), the events it publishes and
 * the audit log's consumer (events.ts), the housekeeping job and the demo data.
 * index.ts makes it listen.
 */
import type { Job } from '../../platform/jobs.ts';
import { loadTypeDefs } from '../../platform/schema-file.ts';
import type { SubgraphFactory } from '../../platform/subgraph.ts';
import { createContext } from './context.ts';
import { consumers } from './events.ts';
import { internalRoutes } from './internal.ts';
import { resolvers } from './resolvers.ts';
import { UsersService } from './service/index.ts';

/** How often throttling counters past their window and old rotated refresh tokens are forgotten. */
const PRUNE_EVERY_MS = 10 * 60 * 1000;

export const createSubgraph: SubgraphFactory = async (deps) => {
  const service = new UsersService(deps);
  const prune: Job = { name: 'users housekeeping', everyMs: PRUNE_EVERY_MS, run: () => service.prune() };
  return {
    typeDefs: loadTypeDefs('users'),
    resolvers,
    context: createContext(deps, service),
    internal: internalRoutes(service),
    consumers: consumers(service, deps.log),
    jobs: [prune],
    seed: () => service.seedDemo(),
    start: () => service.ensureAdmin(),
  };
};
