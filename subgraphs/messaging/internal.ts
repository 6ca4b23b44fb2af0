/**
 * The messaging subgraph's internal operations (docs/internal-api.md): it
 * serves none — other subgraphs learn nothing from messaging directly. What
 * it calls on others (catalog `storesByIds`, users `profiles`) is in loaders.ts.
 */
import type { InternalRoutes } from '../../platform/internal.ts';

export const internal: InternalRoutes = {};
