/** The catalog subgraph's rules, authorization and transactions. */
import type { SubgraphDeps } from '../kit/runtime.ts';

export class CatalogService {
  constructor(readonly deps: SubgraphDeps) {}
}
