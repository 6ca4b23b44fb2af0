/** The promotions subgraph's request context: the base context, its service, and DataLoaders new for every request. */
import type { RequestContext } from '../../platform/context.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { PromotionsService } from './service/index.ts';

export interface PromotionsContext extends RequestContext {
  service: PromotionsService;
  loaders: Loaders;
}

/** Builds each request's context; the loaders are bound to that request's viewer (Product.watched). */
export function createContext(deps: SubgraphDeps, service: PromotionsService): (base: RequestContext) => PromotionsContext {
  return (base) => ({ ...base, service, loaders: createLoaders(deps.db, deps.clock, base.viewer?.id ?? null) });
}
