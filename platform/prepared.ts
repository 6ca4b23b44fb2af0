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
import { Column, getTableName, is, SQL, sql, Subquery, type Placeholder } from 'drizzle-orm';
import { PgDialect, type PgColumn } from 'drizzle-orm/pg-core';
import { rowsOf, type Executor } from './db.ts';

/** The values of a statement's placeholders, by name. */
export type Values = Record<string, unknown>;

interface Preparable<R> {
  prepare(name: string): { execute(values?: Values): Promise<R> };
}

/** What drizzle keeps on a prepared select (drizzle-orm 0.45, both drivers): its selection and how it maps rows. */
interface DrizzlePrepared {
  fields?: { path: string[]; field: unknown }[];
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: (rows: unknown[][]) => unknown;
}

type Decoder = { mapFromDriverValue(value: unknown): unknown };

/**
 * A row mapper for a prepared select, worked out once from its selection:
 * what drizzle's `mapResultRow` does for every row (each column's decoder,
 * nested objects by path, a left-joined table whose columns are all null
 * becomes null), without finding each column's decoder and path again per
 * row and per column. The objects it makes are the same, keys in the same
 * order. Undefined when the selection is not one of plain paths (then drizzle maps).
 */
function rowMapper(fields: NonNullable<DrizzlePrepared['fields']>, nullable: Record<string, boolean> | undefined): ((row: unknown[]) => unknown) | undefined {
  const columns = fields.map(({ path, field }) => {
    // drizzle's own choice of decoder (SQL's `decoder` is internal to drizzle)
    const decoderOf = (q: unknown) => (q as { decoder?: Decoder } | undefined)?.decoder;
    const decoder: Decoder | undefined = is(field, Column)
      ? field
      : is(field, SQL)
        ? decoderOf(field)
        : is(field, Subquery)
          ? decoderOf((field as unknown as { _: { sql: SQL } })._.sql)
          : decoderOf((field as { sql?: SQL }).sql);
    // the table of a joined table's column (path [table, column]): drizzle nulls the object when all its columns are null
    const table = nullable && is(field, Column) && path.length === 2 ? getTableName(field.table) : undefined;
    return { path, decoder, table };
  });
  if (columns.some((c) => !c.decoder || c.path.length === 0 || c.path.length > 2)) return undefined;
  const objects = nullable ? [...new Set(columns.filter((c) => c.table !== undefined).map((c) => c.path[0]))] : [];
  return (row) => {
    const result: Record<string, unknown> = {};
    // per joined object: the table all its columns' null values came from, or false (drizzle's nullifyMap)
    const nullify: Record<string, string | false> = {};
    for (let i = 0; i < columns.length; i++) {
      const { path, decoder, table } = columns[i];
      const raw = row[i];
      const value = raw === null ? null : decoder!.mapFromDriverValue(raw);
      if (path.length === 1) {
        result[path[0]] = value;
        continue;
      }
      const name = path[0];
      const node = (result[name] ??= {}) as Record<string, unknown>;
      node[path[1]] = value;
      if (table !== undefined) {
        if (!(name in nullify)) nullify[name] = value === null ? table : false;
        else if (typeof nullify[name] === 'string' && nullify[name] !== table) nullify[name] = false;
      }
    }
    for (const name of objects) {
      const t = nullify[name];
      if (typeof t === 'string' && !nullable![t]) result[name] = null;
    }
    return result;
  };
}

/** `.prepare(name)` of a select, its rows mapped by `rowMapper` (other queries as drizzle prepares them). */
function prepareMapped<R>(query: Preparable<R>, name: string): { execute(values?: Values): Promise<R> } {
  const p = query.prepare(name) as ReturnType<Preparable<R>['prepare']> & DrizzlePrepared;
  if (p.fields && !p.customResultMapper) {
    const map = rowMapper(p.fields, p.joinsNotNullableMap);
    if (map) p.customResultMapper = (rows) => rows.map(map);
  }
  return p;
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
    if (!query) built.set(db, (query = prepareMapped(build(db), name)));
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
