/** Product search (full-text, filters, four sorts, keyset pages) and store product pages. */
import { count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../../platform/db.ts';
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

function tsQuery(text: string): SQL {
  return sql`websearch_to_tsquery('english', ${text})`;
}

function filterSql(f: SearchFilter): { withCats: SQL; where: SQL } {
  // a suspended store's products are out of search (service/moderation.ts)
  const conds: SQL[] = [sql`p.store_id not in (select id from catalog.stores where suspended_at is not null)`];
  if (f.text !== null) conds.push(sql`p.search @@ ${tsQuery(f.text)}`);
  if (f.categoryId) conds.push(sql`p.category_id in (select id from cats)`);
  if (f.storeId) conds.push(sql`p.store_id = ${f.storeId}`);
  if (f.minPrice !== undefined || f.maxPrice !== undefined) {
    const v: SQL[] = [sql`v.product_id = p.id`];
    if (f.minPrice !== undefined) v.push(sql`v.price >= ${f.minPrice}`);
    if (f.maxPrice !== undefined) v.push(sql`v.price <= ${f.maxPrice}`);
    conds.push(sql`exists (select 1 from catalog.variants v where ${sql.join(v, sql` and `)})`);
  }
  const withCats = f.categoryId
    ? sql`with recursive cats as (
            select id from catalog.categories where id = ${f.categoryId}
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

/**
 * One page of a search, in a stable total order (the sort key, then id), from
 * after `keyset`: keyset pagination never skips or repeats a row. With
 * `withTotal`, also counts every match in the same statement: the count runs
 * over the filter before the keyset and the limit, so it is exact on any page
 * (and read from any row of it). Without it the count is left out: a window
 * over every match would keep PostgreSQL from stopping at the page's last row.
 */
export async function searchPage(db: Executor, f: SearchFilter, sort: SortKey, limit: number, after: Keyset | null, withTotal: boolean): Promise<SearchPage> {
  const { withCats, where } = filterSql(f);
  const rank = f.text !== null ? sql`ts_rank(p.search, ${tsQuery(f.text)})` : sql`0::real`;
  const total = withTotal ? sql`count(*) over ()` : sql`null`;
  let order: SQL;
  let keyset = sql`true`;
  switch (sort) {
    case 'RELEVANCE':
      order = sql`s.r desc, s.id asc`;
      if (after) keyset = sql`(s.r < ${String(after.key)}::real or (s.r = ${String(after.key)}::real and s.id > ${after.id}::uuid))`;
      break;
    case 'NEWEST':
      order = sql`s.created_at desc, s.id desc`;
      if (after) keyset = sql`(s.created_at, s.id) < (${String(after.key)}::timestamptz, ${after.id}::uuid)`;
      break;
    case 'PRICE_ASC':
      order = sql`s.min_price asc, s.id asc`;
      if (after) keyset = sql`(s.min_price, s.id) > (${Number(after.key)}::int, ${after.id}::uuid)`;
      break;
    case 'PRICE_DESC':
      order = sql`s.min_price desc, s.id asc`;
      if (after) keyset = sql`(s.min_price < ${Number(after.key)}::int or (s.min_price = ${Number(after.key)}::int and s.id > ${after.id}::uuid))`;
      break;
  }
  const rows = await db
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
    .limit(limit);
  return {
    hits: rows.map((r) => ({ ...r.product, rank: r.rank })),
    stores: rows.map((r) => r.store),
    total: rows.length ? rows[0].total : null,
  };
}

export async function searchCount(db: Executor, f: SearchFilter): Promise<number> {
  const { withCats, where } = filterSql(f);
  const [row] = await queryRows<{ n: number | string }>(db, sql`${withCats}select count(*)::int as n from catalog.products p where ${where}`);
  return Number(row?.n ?? 0);
}

/** Newest-first pages of several stores' products in one statement. */
export async function storeProductPages(db: Executor, storeIds: readonly string[], limit: number, after: Keyset | null): Promise<ProductRow[]> {
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
          )}) and ${keyset}
        ) s where s.rn <= ${limit} order by s.store_id, s.created_at desc, s.id desc`,
  );
  return rows.map(toProduct);
}

export async function productCountsByStore(db: Executor, storeIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db
    .select({ storeId: products.storeId, n: count() })
    .from(products)
    .where(inArray(products.storeId, [...storeIds]))
    .groupBy(products.storeId);
  return new Map(rows.map((r) => [r.storeId, Number(r.n)]));
}
