/**
 * `npm run schema:api`: writes schema/api.graphql (the API schema of
 * schema/supergraph.graphql; run it after `npm run compose`).
 * `npm run schema:api -- --check` exits 1 when the committed file differs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { API_SCHEMA_FILE, apiSchemaSdl } from './api-schema.ts';

const sdl = apiSchemaSdl();
if (process.argv.includes('--check')) {
  const committed = existsSync(API_SCHEMA_FILE) ? readFileSync(API_SCHEMA_FILE, 'utf8') : '';
  if (committed !== sdl) {
    process.stderr.write('schema/api.graphql is out of date: run `npm run schema:api`\n');
    process.exit(1);
  }
  process.stdout.write('schema/api.graphql is up to date\n');
} else {
  writeFileSync(API_SCHEMA_FILE, sdl);
  process.stdout.write(`wrote ${API_SCHEMA_FILE}\n`);
}
