/** The users subgraph's request context: the platform's, with its service and this request's DataLoaders. */
import type { RequestContext } from '../../platform/context.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { UsersService } from './service/index.ts';

export interface UsersContext extends RequestContext {
  service: UsersService;
  loaders: Loaders;
}

/** Builds each request's context (new loaders every request). */
export function createContext(deps: SubgraphDeps, service: UsersService): (base: RequestContext) => UsersContext {
  return (base) => ({ ...base, service, loaders: createLoaders(deps.db) });
}
