// `npm run build`, second step: what the compiled server reads from disk at run
// time, copied into dist/ at the same relative paths as in the sources, so the
// `import.meta.url`-relative lookups work unchanged from dist/:
// - subgraphs/<owner>/db/migrations/** and platform/events/migrations/** (SQL +
//   drizzle meta json; platform/migrate.ts)
// - schema/*.graphql (each subgraph's SDL and the supergraph; platform/schema-file.ts,
//   gateway/server.ts)
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (!existsSync(dist)) {
  process.stderr.write('dist/ does not exist: run `tsc -p tsconfig.build.json` first (npm run build)\n');
  process.exit(1);
}

let copied = 0;
for (const owner of readdirSync(join(root, 'subgraphs'))) {
  const from = join(root, 'subgraphs', owner, 'db', 'migrations');
  if (!existsSync(from)) continue;
  const to = join(dist, 'subgraphs', owner, 'db', 'migrations');
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  copied++;
}

{
  const from = join(root, 'platform', 'events', 'migrations');
  const to = join(dist, 'platform', 'events', 'migrations');
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  copied++;
}

const schemaTo = join(dist, 'schema');
mkdirSync(schemaTo, { recursive: true });
for (const file of readdirSync(join(root, 'schema'))) {
  if (file.endsWith('.graphql')) cpSync(join(root, 'schema', file), join(schemaTo, file));
}
process.stdout.write(`build assets: migrations of ${copied} owners, schema/*.graphql\n`);
