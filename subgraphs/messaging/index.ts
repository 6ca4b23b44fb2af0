/** Runs the messaging subgraph alone: `npm run start:subgraph -- messaging`. */
import { runSubgraphMain } from '../main.ts';

await runSubgraphMain('messaging');
