/**
 * Applies a subgraph's committed drizzle-kit migrations at start.
 *
 * Each subgraph keeps its own migrations table (`drizzle.__migrations_<name>`),
 * so subgraphs sharing one database never see each other's history. On
 * PostgreSQL the run holds an advisory lock, so several instances starting at
 * once apply each migration exactly once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { Database } from './db.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where an owner's migrations are: the event log's (owner `kit`, the name its
 * migrations table has carried since the first release) under
 * platform/events/migrations, a subgraph's under subgraphs/<name>/db/migrations.
 */
export function migrationsFolder(owner: string): string {
  if (owner === 'kit') return path.join(root, 'platform', 'events', 'migrations');
  return path.join(root, 'subgraphs', owner, 'db', 'migrations');
}

export async function runMigrations(db: Database, owner: string, url?: string): Promise<void> {
  const config = { migrationsFolder: migrationsFolder(owner), migrationsTable: `__migrations_${owner}` };
  if (db.kind === 'pglite') {
    await migratePglite(db.drizzle as unknown as PgliteDatabase, config);
    return;
  }
  if (!url) throw new Error('runMigrations: a PostgreSQL handle needs its URL');
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(hashtext('marketplace-migrations'))`;
    await migratePostgres(drizzlePostgres(client), config);
    await client`select pg_advisory_unlock(hashtext('marketplace-migrations'))`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
