/** Runs the orders subgraph alone: `npm run start:subgraph -- orders`. */
import { runSubgraphMain } from '../main.ts';

await runSubgraphMain('orders');
