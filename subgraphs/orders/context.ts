/** The orders subgraph's request context: the request, its services and its DataLoaders. */
import type { RequestContext } from '../../platform/context.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { perEvent } from '../../platform/subscriptions/live.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { OrdersService } from './service/index.ts';

export interface OrdersContext extends RequestContext {
  service: OrdersService;
  loaders: Loaders;
  /** The loaders every subscription shares for one event (platform/subscriptions/live.ts perEvent). */
  eventLoaders(seq: number): Loaders;
}

/** The per-request context builder: fresh loaders per request, shared ones per subscription event. */
export function createContext(deps: SubgraphDeps, service: OrdersService): (base: RequestContext) => OrdersContext {
  const eventLoaders = perEvent(() => createLoaders(deps));
  return (base) => ({ ...base, service, loaders: createLoaders(deps), eventLoaders });
}
