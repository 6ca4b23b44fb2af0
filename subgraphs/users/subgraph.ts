/**
 * The users subgraph, declared in one place: schema, resolvers, per-request
 * context, internal operations (internal.ts), the events it publishes and
 * consumes (events.ts: notification emails, and the audit log of admin
 * actions), the housekeeping and mail jobs, the mail metrics and the demo
 * data. index.ts makes it listen.
 */
import { ConfigError } from '../../platform/config.ts';
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
  if (deps.config.production && !deps.config.mail.smtpUrl) {
    throw new ConfigError('SMTP_URL must be set in production (e.g. smtp://user:pass@host:587): the users subgraph emails codes and notifications');
  }
  const service = new UsersService(deps);
  const prune: Job = { name: 'users housekeeping', everyMs: PRUNE_EVERY_MS, run: () => service.prune() };
  return {
    typeDefs: loadTypeDefs('users'),
    resolvers,
    context: createContext(deps, service),
    internal: internalRoutes(service),
    consumers: consumers(service, deps.log),
    jobs: [prune, service.mailer.job],
    metrics: () => service.mailer.metrics.render(),
    seed: () => service.seedDemo(),
    start: () => service.ensureAdmin(),
    stop: async () => service.mailer.close(),
  };
};
