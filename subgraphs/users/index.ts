/** Runs the users subgraph alone: `npm run start:subgraph -- users`. */
import { runSubgraphMain } from '../main.ts';

await runSubgraphMain('users');
