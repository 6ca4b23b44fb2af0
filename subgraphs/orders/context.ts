/** The orders subgraph's request context: the request, its services and its DataLoaders. */
import type { RequestContext } from '../../platform/context.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { perEvent } from '../../platform/subscriptions/live.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { OrdersService } from './service/index.ts';

export interface OrdersContext extends RequestContext {
  service: OrdersService;
  loaders: Loaders;
  /** A subscription's loaders for one event, fresh per event (platform/subscriptions/live.ts perEvent); its own, never another subscriber's. */
  eventLoaders(seq: number): Loaders;
}

/** The per-request context builder: fresh loaders per request, and per event of a subscription. */
export function createContext(deps: SubgraphDeps, service: OrdersService): (base: RequestContext) => OrdersContext {
  return (base) => ({ ...base, service, loaders: createLoaders(deps), eventLoaders: perEvent(() => createLoaders(deps)) });
}
