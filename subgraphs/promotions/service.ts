/** The promotions subgraph's rules, authorization and transactions. */
import type { SubgraphDeps } from '../kit/runtime.ts';

export class PromotionsService {
  constructor(readonly deps: SubgraphDeps) {}
}
