/** Runs the promotions subgraph alone: `npm run start:subgraph -- promotions`. */
import { runSubgraphMain } from '../main.ts';

await runSubgraphMain('promotions');
