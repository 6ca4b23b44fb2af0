/** The users subgraph's rules, authorization and transactions. */
import type { SubgraphDeps } from '../kit/runtime.ts';

export class UsersService {
  constructor(readonly deps: SubgraphDeps) {}
}
