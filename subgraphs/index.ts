/** `npm run start:subgraph -- <name>`: one subgraph in its own process. */
import { runSubgraphMain } from './main.ts';

await runSubgraphMain(process.argv[2]);
