// Composes schema/{users,catalog,orders,messaging,promotions}.graphql into schema/supergraph.graphql.
//   npm run compose        (npx tsx schema/compose.ts)
// Exits 1 and prints the composition errors when the subgraphs do not compose.
// The file always carries the default subgraph URLs (localhost:4001…4005): the gateway applies
// USERS_URL, CATALOG_URL, ORDERS_URL, MESSAGING_URL, PROMOTIONS_URL at runtime.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { CompositionError, DEFAULT_SUBGRAPH_URLS, SUBGRAPH_NAMES, SUPERGRAPH_PATH, composeSupergraph, subgraphUrlsFromEnv } from './compose-lib.ts';

let supergraph: string;
try {
  supergraph = composeSupergraph();
} catch (err) {
  if (err instanceof CompositionError) {
    console.error(`Composition failed (${err.errors.length} error(s)):`);
    for (const e of err.errors) {
      const code = (e.extensions?.code as string | undefined) ?? 'ERROR';
      console.error(`  [${code}] ${e.message}`);
    }
    process.exit(1);
  }
  throw err;
}

writeFileSync(SUPERGRAPH_PATH, supergraph);
console.log(`Wrote ${relative(process.cwd(), SUPERGRAPH_PATH) || SUPERGRAPH_PATH} (${SUBGRAPH_NAMES.join(', ')}).`);

const envUrls = subgraphUrlsFromEnv();
const overridden = SUBGRAPH_NAMES.filter((n) => envUrls[n] !== DEFAULT_SUBGRAPH_URLS[n]);
if (overridden.length > 0) {
  console.log(
    `Note: ${overridden.map((n) => `${n.toUpperCase()}_URL`).join(', ')} set; the supergraph file keeps ` +
      'the default URLs, the gateway applies these at runtime.',
  );
}
