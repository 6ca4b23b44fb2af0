/** The messaging subgraph's rules, authorization and transactions. */
import type { SubgraphDeps } from '../kit/runtime.ts';

export class MessagingService {
  constructor(readonly deps: SubgraphDeps) {}
}
