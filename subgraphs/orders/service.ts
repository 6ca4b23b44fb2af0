/** The orders subgraph's rules, authorization and transactions. */
import type { SubgraphDeps } from '../kit/runtime.ts';

export class OrdersService {
  constructor(readonly deps: SubgraphDeps) {}
}
