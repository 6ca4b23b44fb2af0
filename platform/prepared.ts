/**
 * Prepared reads: statements whose SQL text drizzle builds once per database
 * handle instead of on every call.
 *
 * Building a statement (the query builder's selection, the SQL text, the
 * parameter list) costs more CPU than sending it on the busiest pages, and the
 * text never changes between calls: only the parameters do. A prepared read
 * is declared once, in a subgraph's db/queries, with `sql.placeholder(...)`
 * where the values go; the first call on a handle builds it with drizzle's
 * `.prepare(name)`, later calls only fill in the values. On postgres.js the
 * statement is also prepared on the server (parsed and planned once per
 * connection); PGlite runs the same text with the values each time.
 *
 * A transaction (or any other executor) gets its own copy, built on its first
 * use and dropped with it: callers pass the database or a transaction as they
 * do to any query function, and a statement inside a transaction runs there.
 *
 * Lists of ids are one array parameter (`anyOf`, `arrayParam`), never an
 * `in (...)` list: one statement text whatever the list's length. The array is
 * sent as PostgreSQL array text (`{"a","b"}`), which both drivers pass through
 * unchanged (postgres.js without fetched types cannot serialise a JS array).
 *
 * Every execution is counted in `db.statements` like any other statement
 * (drizzle's logger sees each one).
 */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import { PgDialect, type PgColumn } from 'drizzle-orm/pg-core';
import { rowsOf, type Executor } from './db.ts';

/** The values of a statement's placeholders, by name. */
export type Values = Record<string, unknown>;

interface Preparable<R> {
  prepare(name: string): { execute(values?: Values): Promise<R> };
}

/**
 * A read built once per executor: `build` returns a query builder with
 * placeholders; the returned function runs it with the values given.
 * `name` names the statement (unique per subgraph).
 */
export function prepared<R, V extends Values = Values>(name: string, build: (db: Executor) => Preparable<R>): (db: Executor, values: V) => Promise<R> {
  const built = new WeakMap<Executor, { execute(values?: Values): Promise<R> }>();
  return (db, values) => {
    let query = built.get(db);
    if (!query) built.set(db, (query = build(db).prepare(name)));
    return query.execute(values);
  };
}

/**
 * Statements of several shapes (e.g. with or without a keyset condition), each
 * shape built once per executor: `build` gets the shape's key.
 */
export function preparedShapes<K extends string, R, V extends Values = Values>(
  name: string,
  build: (db: Executor, shape: K) => Preparable<R>,
): (db: Executor, shape: K, values: V) => Promise<R> {
  const shapes = new Map<K, (db: Executor, values: V) => Promise<R>>();
  return (db, shape, values) => {
    let run = shapes.get(shape);
    if (!run) shapes.set(shape, (run = prepared<R, V>(`${name}_${shape}`, (d) => build(d, shape))));
    return run(db, values);
  };
}

// the dialect renders SQL text only: the same as the databases' own (no casing option in use)
const dialect = new PgDialect();

/** A raw SQL read (what the builder cannot say) with placeholders, built once per executor; its rows as plain objects. */
export function preparedRaw<T = Record<string, unknown>, V extends Values = Values>(name: string, query: SQL): (db: Executor, values: V) => Promise<T[]> {
  const run = prepared<unknown, V>(name, (db) => ({
    prepare: (n) => db._.session.prepareQuery(dialect.sqlToQuery(query), undefined, n, false),
  }));
  return async (db, values) => rowsOf<T>(await run(db, values));
}

/** Strings as one PostgreSQL array parameter (array text, each element quoted). */
export function arrayParam(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** `column = any(<placeholder>::<type>[])`: the column is one of the array parameter's values (pass `arrayParam(...)`). */
export function anyOf(column: PgColumn | SQL, placeholder: string, type: 'uuid' | 'text' = 'uuid'): SQL {
  const p: Placeholder = sql.placeholder(placeholder);
  return type === 'uuid' ? sql`${column} = any(${p}::uuid[])` : sql`${column} = any(${p}::text[])`;
}
