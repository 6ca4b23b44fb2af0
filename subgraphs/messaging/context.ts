/** The messaging subgraph's request context: the platform's, plus its services and DataLoaders. */
import type { RequestContext } from '../../platform/context.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { perEvent } from '../../platform/subscriptions/live.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { MessagingService } from './service/index.ts';

export interface MessagingContext extends RequestContext {
  service: MessagingService;
  loaders: Loaders;
  /** A subscription's loaders for one event, fresh per event (platform/subscriptions/live.ts perEvent); its own, never another subscriber's. */
  eventLoaders(seq: number): Loaders;
}

/** Builds each request's context: fresh loaders per request, and per event of a subscription. */
export function createContext(deps: SubgraphDeps, service: MessagingService): (base: RequestContext) => MessagingContext {
  const fresh = () => createLoaders(deps.db, deps.internal, (seqs) => deps.bus.positions(deps.db, deps.name, seqs), deps.log);
  return (base) => ({ ...base, service, loaders: fresh(), eventLoaders: perEvent(fresh) });
}
