/** Product search (full-text, filters, four sorts, keyset pages) and store product pages. */
import { and, count, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../../platform/db.ts';
import { preparedShapes } from '../../../../platform/prepared.ts';
import { products, stores } from '../schema.ts';
import { productColumns, rawProductColumns, toProduct, type Keyset, type ProductRow, type RawProduct, type StoreRow } from './rows.ts';

export type SortKey = 'RELEVANCE' | 'NEWEST' | 'PRICE_ASC' | 'PRICE_DESC';

export interface SearchFilter {
  /** Already trimmed and length-checked; null: no text condition. */
  text: string | null;
  categoryId?: string;
  storeId?: string;
  minPrice?: number;
  maxPrice?: number;
}

/** Where a page starts: the sort key of the last row seen, and its id. */
export interface SearchHit extends ProductRow {
  /** ts_rank as PostgreSQL prints it (exact round trip through ::real). */
  rank: string;
}

// Raw SQL in this file: full-text matching and ranking (websearch_to_tsquery, ts_rank), the
// recursive category CTE, a window count and row-value keysets, none of which the builder says.

/** Which filters a search has: the statement's shape (its values are parameters). */
interface FilterShape {
  text: boolean;
  categoryId: boolean;
  storeId: boolean;
  minPrice: boolean;
  maxPrice: boolean;
}

type FilterValue = keyof FilterShape;

const shapeOf = (f: SearchFilter): FilterShape => ({
  text: f.text !== null,
  categoryId: !!f.categoryId,
  storeId: !!f.storeId,
  minPrice: f.minPrice !== undefined,
  maxPrice: f.maxPrice !== undefined,
});

/** The filter's conditions; `v` gives the SQL of a filter value (a parameter, or a placeholder of a prepared statement). */
function filterSql(shape: FilterShape, v: (name: FilterValue) => SQL): { withCats: SQL; where: SQL } {
  // archived products and a suspended store's products are out of every search (service/moderation.ts)
  const conds: SQL[] = [sql`p.archived_at is null`, sql`p.store_id not in (select id from catalog.stores where suspended_at is not null)`];
  if (shape.text) conds.push(sql`p.search @@ websearch_to_tsquery('english', ${v('text')})`);
  if (shape.categoryId) conds.push(sql`p.category_id in (select id from cats)`);
  if (shape.storeId) conds.push(sql`p.store_id = ${v('storeId')}`);
  if (shape.minPrice || shape.maxPrice) {
    const c: SQL[] = [sql`v.product_id = p.id`, sql`v.removed_at is null`];
    if (shape.minPrice) c.push(sql`v.price >= ${v('minPrice')}`);
    if (shape.maxPrice) c.push(sql`v.price <= ${v('maxPrice')}`);
    conds.push(sql`exists (select 1 from catalog.variants v where ${sql.join(c, sql` and `)})`);
  }
  const withCats = shape.categoryId
    ? sql`with recursive cats as (
            select id from catalog.categories where id = ${v('categoryId')}
            union all
            select c.id from catalog.categories c join cats on c.parent_id = cats.id
          ) `
    : sql``;
  return { withCats, where: sql.join(conds, sql` and `) };
}

export interface SearchPage {
  hits: SearchHit[];
  /** The hits' stores (the search page shows them), selected as the store loader selects them. */
  stores: StoreRow[];
  /** Every match (not only this page's), when asked for and the page has a row; otherwise null. */
  total: number | null;
}

/** A page statement's shape: the filters present, the sort, whether it starts after a keyset, whether it counts. */
interface PageShape extends FilterShape {
  sort: SortKey;
  after: boolean;
  withTotal: boolean;
}

const ph = (name: string): SQL => sql`${sql.placeholder(name)}`;

/**
 * The page statement of one shape, with placeholders for the values (`text`,
 * `categoryId`, `storeId`, `minPrice`, `maxPrice`, `afterKey`, `afterId`,
 * `limit`): its SQL is built once per shape and database handle (platform/prepared.ts).
 */
function pageStatement(db: Executor, shape: PageShape) {
  const { withCats, where } = filterSql(shape, ph);
  const rank = shape.text ? sql`ts_rank(p.search, websearch_to_tsquery('english', ${ph('text')}))` : sql`0::real`;
  const total = shape.withTotal ? sql`count(*) over ()` : sql`null`;
  const key = ph('afterKey');
  const id = ph('afterId');
  let order: SQL;
  let keyset = sql`true`;
  switch (shape.sort) {
    case 'RELEVANCE':
      order = sql`s.r desc, s.id asc`;
      if (shape.after) keyset = sql`(s.r < ${key}::real or (s.r = ${key}::real and s.id > ${id}::uuid))`;
      break;
    case 'NEWEST':
      order = sql`s.created_at desc, s.id desc`;
      if (shape.after) keyset = sql`(s.created_at, s.id) < (${key}::timestamptz, ${id}::uuid)`;
      break;
    case 'PRICE_ASC':
      order = sql`s.min_price asc, s.id asc`;
      if (shape.after) keyset = sql`(s.min_price, s.id) > (${key}::int, ${id}::uuid)`;
      break;
    case 'PRICE_DESC':
      order = sql`s.min_price desc, s.id asc`;
      if (shape.after) keyset = sql`(s.min_price < ${key}::int or (s.min_price = ${key}::int and s.id > ${id}::uuid))`;
      break;
  }
  return db
    .select({
      product: productColumns,
      store: stores,
      rank: sql<string>`s.r::text`,
      total: sql<number | null>`s.total`.mapWith((n) => (n === null ? null : Number(n))),
    })
    .from(
      sql`(${withCats}select p.id, p.created_at, p.min_price, ${rank} as r, (${total})::int as total
           from catalog.products p where ${where}) s`,
    )
    .innerJoin(products, sql`${products.id} = s.id`)
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(keyset)
    .orderBy(order)
    .limit(sql.placeholder('limit'));
}

type PageRow = Awaited<ReturnType<ReturnType<typeof pageStatement>['execute']>>[number];

/** Every shape seen so far, by its key (the key names the statement). */
const pageShapes = new Map<string, PageShape>();
const runPage = preparedShapes<string, PageRow[]>('catalog_search_page', (db, key) => pageStatement(db, pageShapes.get(key)!));

/**
 * One page of a search, in a stable total order (the sort key, then id), from
 * after `keyset`: keyset pagination never skips or repeats a row. With
 * `withTotal`, also counts every match in the same statement: the count runs
 * over the filter before the keyset and the limit, so it is exact on any page
 * (and read from any row of it). Without it the count is left out: a window
 * over every match would keep PostgreSQL from stopping at the page's last row.
 * Each shape of the statement (filters present, sort, keyset, count) is built
 * once and prepared; a search fills in the values.
 */
export async function searchPage(db: Executor, f: SearchFilter, sort: SortKey, limit: number, after: Keyset | null, withTotal: boolean): Promise<SearchPage> {
  const shape: PageShape = { ...shapeOf(f), sort, after: after !== null, withTotal };
  const key = `${sort.toLowerCase()}_${[shape.text, shape.categoryId, shape.storeId, shape.minPrice, shape.maxPrice, shape.after, withTotal].map(Number).join('')}`;
  if (!pageShapes.has(key)) pageShapes.set(key, shape);
  const byPrice = sort === 'PRICE_ASC' || sort === 'PRICE_DESC';
  const rows = await runPage(db, key, {
    text: f.text,
    categoryId: f.categoryId,
    storeId: f.storeId,
    minPrice: f.minPrice,
    maxPrice: f.maxPrice,
    afterKey: after ? (byPrice ? Number(after.key) : String(after.key)) : undefined,
    afterId: after?.id,
    limit,
  });
  return {
    hits: rows.map((r) => ({ ...r.product, rank: r.rank })),
    stores: rows.map((r) => r.store),
    total: rows.length ? rows[0].total : null,
  };
}

export async function searchCount(db: Executor, f: SearchFilter): Promise<number> {
  const { withCats, where } = filterSql(shapeOf(f), (name) => sql`${f[name]}`);
  const [row] = await queryRows<{ n: number | string }>(db, sql`${withCats}select count(*)::int as n from catalog.products p where ${where}`);
  return Number(row?.n ?? 0);
}

/** Newest-first pages of several stores' products (those on sale, or with `archived` the archived ones) in one statement. */
export async function storeProductPages(
  db: Executor,
  storeIds: readonly string[],
  limit: number,
  after: Keyset | null,
  archived = false,
): Promise<ProductRow[]> {
  // raw: a per-store window (row_number over partition) to page several stores in one statement
  const keyset = after ? sql`(p.created_at, p.id) < (${String(after.key)}::timestamptz, ${after.id}::uuid)` : sql`true`;
  const rows = await queryRows<RawProduct>(
    db,
    sql`select * from (
          select ${rawProductColumns}, p.created_at,
                 row_number() over (partition by p.store_id order by p.created_at desc, p.id desc) as rn
          from catalog.products p
          where p.store_id in (${sql.join(
            storeIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )}) and p.archived_at is ${archived ? sql`not null` : sql`null`} and ${keyset}
        ) s where s.rn <= ${limit} order by s.store_id, s.created_at desc, s.id desc`,
  );
  return rows.map(toProduct);
}

export async function productCountsByStore(db: Executor, storeIds: readonly string[], archived = false): Promise<Map<string, number>> {
  const rows = await db
    .select({ storeId: products.storeId, n: count() })
    .from(products)
    .where(and(inArray(products.storeId, [...storeIds]), archived ? isNotNull(products.archivedAt) : isNull(products.archivedAt)))
    .groupBy(products.storeId);
  return new Map(rows.map((r) => [r.storeId, Number(r.n)]));
}
