/**
 * The database factory: drizzle on postgres.js when a URL is given, drizzle on
 * PGlite (embedded PostgreSQL) otherwise.
 *
 * PGlite is one process's database: every subgraph started in the same process
 * on the same data directory shares one PGlite instance (each subgraph in its
 * own PostgreSQL schema), so `npm start` runs the whole graph on one embedded
 * database. Every statement issued through drizzle is counted per database
 * handle (`db.statements`), which tests and benchmarks use to prove that
 * DataLoaders keep the statement count flat.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Drizzle = PgDatabase<any, any>;
export type Tx = Parameters<Parameters<Drizzle['transaction']>[0]>[0];
export type Executor = Drizzle | Tx;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Identity of the underlying database: equal keys, same database. */
  readonly key: string;
  readonly drizzle: Drizzle;
  /** Statements executed through this handle since it opened. */
  readonly statements: { count: number };
  /** LISTEN on a channel; returns an unlisten function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres:// URL; omitted: PGlite. */
  url?: string;
  /** PGlite data directory; omitted: in memory. */
  dataDir?: string;
  /** Label for application_name and logs. */
  name: string;
  /** Pool size for postgres.js (default 10). */
  max?: number;
  /** Send statements as prepared statements of their connection (default true; `preparing` below). */
  prepared?: boolean;
}

/** Rows of a raw `execute` result on either driver. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

export async function queryRows<T = Record<string, unknown>>(db: Executor, query: SQL): Promise<T[]> {
  return rowsOf<T>(await db.execute(query));
}

/**
 * PGlite is loaded only where the embedded database is used, so a deployment on
 * PostgreSQL runs without it (the production image leaves it out).
 */
export async function loadPglite(): Promise<typeof import('@electric-sql/pglite')> {
  try {
    return await import('@electric-sql/pglite');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error('the embedded database (PGlite) is not installed in this build: set DATABASE_URL');
  }
}

const pgliteKeys = new WeakMap<PGlite, string>();
function pgliteKey(pg: PGlite): string {
  let k = pgliteKeys.get(pg);
  if (!k) pgliteKeys.set(pg, (k = `pglite:${Math.random().toString(36).slice(2)}`));
  return k;
}

interface SharedPglite {
  pg: PGlite;
  refs: number;
}
const pglites = new Map<string, SharedPglite>();

async function acquirePglite(dataDir?: string): Promise<{ pg: PGlite; release: () => Promise<void> }> {
  const key = dataDir ? path.resolve(dataDir, 'pgdata') : `memory:${Math.random()}`;
  let shared = pglites.get(key);
  if (!shared) {
    if (dataDir) fs.mkdirSync(key, { recursive: true });
    const { PGlite } = await loadPglite();
    const pg = dataDir ? new PGlite(key) : new PGlite();
    await pg.waitReady;
    shared = { pg, refs: 0 };
    pglites.set(key, shared);
  }
  shared.refs++;
  const s = shared;
  return {
    pg: s.pg,
    release: async () => {
      s.refs--;
      if (s.refs === 0) {
        pglites.delete(key);
        await s.pg.close();
      }
    },
  };
}

type Sql = ReturnType<typeof postgres>;

/**
 * The postgres.js client as drizzle sees it, with every statement sent as a
 * prepared statement of its connection.
 *
 * drizzle asks postgres.js for a prepared statement only for queries built
 * with `.prepare(name)`; every other statement went as an unnamed one. For an
 * unnamed statement with parameters postgres.js makes two round trips (Parse
 * and Describe to learn the parameter types, then Bind and Execute), and
 * PostgreSQL parses and plans it every time: on the bench's pages planning
 * took three times as long as executing (pg_stat_statements with
 * track_planning, bench/RESULTS.md, 2026-12-07). Prepared, a statement is
 * parsed once per connection, its generic plan is kept when PostgreSQL finds it
 * as good as a custom one, and each later execution is one round trip.
 * postgres.js keeps the statements of a connection by their text, for the
 * connection's lifetime (`max_lifetime`, 30 to 60 minutes); statements differ
 * only by the queries' shapes (lists of ids are one array parameter where the
 * pages are hot, db/queries of each subgraph).
 *
 * Transactions and savepoints hand drizzle a client of their own connection:
 * it is wrapped the same way. Behind a connection pooler in transaction mode
 * (PgBouncer without `max_prepared_statements`) a connection's prepared
 * statements are not there on the next transaction: turn this off with
 * `DATABASE_PREPARED_STATEMENTS=false`.
 */
function preparing(sql: Sql): Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, args?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, (args ?? []) as never[], { ...options, prepare: true });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return (...params: unknown[]) => {
          const body = params.pop() as (inner: Sql) => unknown;
          const method = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop];
          return method.apply(target, [...params, (inner: Sql) => body(preparing(inner))]);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * A PGlite instance shared by several handles in one process (tests use one
 * in-memory instance for the whole stack). Pass it as `pglite` to `openDatabase`.
 */
export async function openDatabase(opts: OpenOptions & { pglite?: PGlite }): Promise<Database> {
  const statements = { count: 0 };
  const logger = {
    logQuery() {
      statements.count++;
    },
  };
  if (opts.url) {
    const client = postgres(opts.url, {
      max: opts.max ?? 10,
      onnotice: () => {},
      connection: { application_name: `marketplace-${opts.name}` },
      idle_timeout: 30,
      connect_timeout: 10,
      // no extra type query on every new connection (arrays are parsed by
      // drizzle and the event log), so a reconnect is one round trip
      fetch_types: false,
    });
    const db = drizzlePostgres(opts.prepared === false ? client : preparing(client), { logger }) as unknown as Drizzle;
    return {
      kind: 'postgres',
      key: opts.url,
      drizzle: db,
      statements,
      async listen(channel, onNotify) {
        const sub = await client.listen(channel, (p) => onNotify(p));
        return () => sub.unlisten();
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  let pg: PGlite;
  let release: () => Promise<void>;
  if (opts.pglite) {
    pg = opts.pglite;
    release = async () => {};
  } else {
    ({ pg, release } = await acquirePglite(opts.dataDir));
  }
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  const db = drizzlePglite(pg, { logger }) as unknown as Drizzle;
  return {
    kind: 'pglite',
    key: pgliteKey(pg),
    drizzle: db,
    statements,
    async listen(channel, onNotify) {
      return pg.listen(channel, onNotify);
    },
    close: release,
  };
}

/** Create a PostgreSQL database (used by tests for a fresh database per run). */
export async function createDatabase(adminUrl: string, dbName: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(dbName)) throw new Error('bad database name');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${dbName}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}

export async function dropDatabase(adminUrl: string, dbName: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(dbName)) throw new Error('bad database name');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}
