/** The catalog's request context: the platform's, with the catalog's services and this request's loaders. */
import type { RequestContext } from '../../platform/context.ts';
import type { Database } from '../../platform/db.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { CatalogService } from './service/index.ts';

export interface CatalogContext extends RequestContext {
  service: CatalogService;
  loaders: Loaders;
}

/** Builds each request's context (new loaders every request). */
export function createContext(db: Database, service: CatalogService): (base: RequestContext) => CatalogContext {
  return (base) => ({ ...base, service, loaders: createLoaders(db) });
}
