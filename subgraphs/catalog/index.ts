/** Runs the catalog subgraph alone: `npm run start:subgraph -- catalog`. */
import { runSubgraphMain } from '../main.ts';

await runSubgraphMain('catalog');
