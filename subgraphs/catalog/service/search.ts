/**
 * Product search and product pages: English full-text search (websearch_to_tsquery,
 * title weighted A, description B), filters, four sorts, keyset cursors; and
 * `page`, the keyset page every other product list (a store's, the Wish List) uses.
 */
import type { Database } from '../../../platform/db.ts';
import { badInput } from '../../../platform/errors.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { decodeCursor, encodeCursor, isId, pageSize } from '../../../platform/scalars.ts';
import * as q from '../db/queries/index.ts';
import type { Loaders } from '../loaders.ts';
import { priceFilter, searchText } from './validate.ts';

/** Cursor payload: the sort it belongs to, the sort key of the row, its id. */
interface CursorValue {
  s: string;
  k: string | number;
  i: string;
}

function keysetFrom(after: string | null | undefined, sort: string): q.Keyset | null {
  const c = decodeCursor<CursorValue>(after);
  if (c === null) return null;
  const isRank = (k: unknown) => {
    if (typeof k !== 'string' || !/^\d+(\.\d+)?(e[-+]?\d{1,2})?$/i.test(k)) return false;
    const n = Number(k);
    return n === 0 || (n >= 1e-37 && n <= 1e37); // within PostgreSQL's real
  };
  const isTime = (k: unknown) => typeof k === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(k) && !Number.isNaN(Date.parse(k));
  const valid =
    typeof c === 'object' &&
    c !== null &&
    c.s === sort &&
    isId(c.i) &&
    (sort === 'PRICE_ASC' || sort === 'PRICE_DESC'
      ? Number.isSafeInteger(c.k) && Math.abs(c.k as number) <= 2_147_483_647
      : sort === 'RELEVANCE'
        ? isRank(c.k)
        : isTime(c.k));
  if (!valid) throw badInput('The cursor is not valid for this query.');
  // times are normalised (a lenient parse such as February 30th never reaches SQL as text)
  if (isTime(c.k)) return { key: new Date(c.k as string).toISOString(), id: c.i };
  return { key: c.k, id: c.i };
}

function sortKeyOf(row: q.SearchHit, sort: q.SortKey): string | number {
  switch (sort) {
    case 'RELEVANCE':
      return row.rank;
    case 'NEWEST':
      return row.createdAt.toISOString();
    default:
      return row.minPrice;
  }
}

export interface SearchArgs {
  query?: string | null;
  categoryId?: string | null;
  storeId?: string | null;
  minPrice?: string | null;
  maxPrice?: string | null;
  sort?: q.SortKey | null;
  first?: number | null;
  after?: string | null;
}

const NOTHING = '00000000-0000-0000-0000-000000000000';

/**
 * A keyset page of a list in the order `sort`: `fetch` gets `limit` rows after
 * the keyset, `keyOf` gives a row's sort key for its cursor.
 */
export async function page<T extends { id: string }>(
  sort: string,
  first: number | null | undefined,
  after: string | null | undefined,
  fetch: (limit: number, keyset: q.Keyset | null) => Promise<T[]>,
  keyOf: (row: T) => string | number,
  totalCount: () => Promise<number>,
): Promise<Connection<T>> {
  const limit = pageSize(first);
  const keyset = keysetFrom(after, sort);
  const rows = limit === 0 ? [] : await fetch(limit + 1, keyset);
  return connection(rows, limit, (r) => encodeCursor({ s: sort, k: keyOf(r), i: r.id } satisfies CursorValue), totalCount);
}

export class SearchService {
  constructor(private readonly db: Database) {}

  /**
   * A page of search results. `withTotal`: the client asked for totalCount, so
   * the page's statement counts the matches too (a page with no row cannot tell
   * the count; then it takes a statement of its own).
   */
  async searchProducts(loaders: Loaders, args: SearchArgs, withTotal: boolean): Promise<Connection<q.ProductRow>> {
    const text = searchText(args.query);
    const limit = pageSize(args.first);
    const minPrice = priceFilter(args.minPrice, 'minPrice');
    const maxPrice = priceFilter(args.maxPrice, 'maxPrice');
    let sort: q.SortKey = args.sort ?? 'RELEVANCE';
    if (sort === 'RELEVANCE' && text === null) sort = 'NEWEST';
    const filter: q.SearchFilter = {
      text,
      // an id that is not a UUID matches nothing (and never reaches SQL as one)
      categoryId: args.categoryId == null ? undefined : isId(args.categoryId) ? args.categoryId : NOTHING,
      storeId: args.storeId == null ? undefined : isId(args.storeId) ? args.storeId : NOTHING,
      minPrice,
      maxPrice,
    };
    const after = keysetFrom(args.after, sort);
    const found = limit === 0 ? null : await q.searchPage(this.db.drizzle, filter, sort, limit + 1, after, withTotal);
    // the page's statement joined each product's store (the results show it): no statement for Product.store
    for (const s of found?.stores ?? []) loaders.store.prime(s.id, s);
    return connection(
      found?.hits ?? [],
      limit,
      (r) => encodeCursor({ s: sort, k: sortKeyOf(r, sort), i: r.id } satisfies CursorValue),
      async () => found?.total ?? q.searchCount(this.db.drizzle, filter),
    );
  }

  /** A store's products on sale (or with `archived` its archived ones), newest first, batched across stores by a loader. */
  storeProducts(
    loaders: Loaders,
    storeId: string,
    first: number | null | undefined,
    after: string | null | undefined,
    archived = false,
  ): Promise<Connection<q.ProductRow>> {
    return page(
      'NEWEST',
      first,
      after,
      (limit, keyset) => loaders.storeProducts.load({ storeId, limit, after: keyset, archived }),
      (r) => r.createdAt.toISOString(),
      () => (archived ? loaders.archivedCountByStore : loaders.productCountByStore).load(storeId),
    );
  }
}
