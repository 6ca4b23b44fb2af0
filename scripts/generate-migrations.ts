/**
 * `npm run db:generate [-- <owner>...]`: runs drizzle-kit generate for the kit
 * and each subgraph whose `db/schema.ts` changed, writing SQL migrations into
 * `<owner>/db/migrations` (commit them).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const owners = process.argv.slice(2).length ? process.argv.slice(2) : ['kit', 'users', 'catalog', 'orders', 'messaging', 'promotions'];
for (const owner of owners) {
  // drizzle-kit wants paths relative to the project root
  const [schema, out] =
    owner === 'kit'
      ? [path.join(here, '..', 'platform', 'events', 'schema.ts'), path.join(here, '..', 'platform', 'events', 'migrations')]
      : [path.join(here, '..', 'subgraphs', owner, 'db', 'schema.ts'), path.join(here, '..', 'subgraphs', owner, 'db', 'migrations')];
  if (!fs.existsSync(schema)) continue;
  const r = spawnSync(
    'npx',
    ['drizzle-kit', 'generate', '--dialect', 'postgresql', '--schema', path.relative(process.cwd(), schema), '--out', path.relative(process.cwd(), out)],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
