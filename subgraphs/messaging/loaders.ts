/** DataLoaders of the messaging subgraph, new for every request. */
import type { Database } from '../kit/db.ts';

export function createLoaders(_db: Database) {
  return {};
}
export type Loaders = ReturnType<typeof createLoaders>;
