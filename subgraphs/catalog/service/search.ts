/**
 * Product search and product pages: English full-text search (websearch_to_tsquery,
 * title weighted A, description B), filters, four sorts, keyset cursors.
 */
import { decodeCursor, encodeCursor, isId, pageSize } from '../../../platform/scalars.ts';
import type { Database } from '../../../platform/db.ts';
import * as q from '../db/queries.ts';
import type { Loaders } from '../loaders.ts';
import { badInput, priceFilter, searchText } from './validate.ts';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Resolved lazily: counted only when a client asks for it. */
  totalCount: () => Promise<number>;
}

export function connection<T>(rows: T[], limit: number, cursorOf: (r: T) => string, count: () => Promise<number>): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    totalCount: count,
  };
}

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
 * A page of search results. `withTotal`: the client asked for totalCount, so
 * the page's statement counts the matches too (a page with no row cannot tell
 * the count; then it takes a statement of its own).
 */
export async function searchProducts(db: Database, loaders: Loaders, args: SearchArgs, withTotal: boolean): Promise<Connection<q.ProductRow>> {
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
  const page = limit === 0 ? null : await q.searchPage(db.drizzle, filter, sort, limit + 1, after, withTotal);
  // the page's statement joined each product's store (the results show it): no statement for Product.store
  for (const s of page?.stores ?? []) loaders.store.prime(s.id, s);
  return connection(
    page?.hits ?? [],
    limit,
    (r) => encodeCursor({ s: sort, k: sortKeyOf(r, sort), i: r.id } satisfies CursorValue),
    async () => page?.total ?? q.searchCount(db.drizzle, filter),
  );
}

/** A store's products, newest first, batched across stores by a loader. */
export async function storeProducts(
  loaders: Loaders,
  storeId: string,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection<q.ProductRow>> {
  const limit = pageSize(first);
  const keyset = keysetFrom(after, 'NEWEST');
  const rows = limit === 0 ? [] : await loaders.storeProducts.load({ storeId, limit: limit + 1, after: keyset });
  return connection(
    rows,
    limit,
    (r) => encodeCursor({ s: 'NEWEST', k: r.createdAt.toISOString(), i: r.id } satisfies CursorValue),
    () => loaders.productCountByStore.load(storeId),
  );
}

/** The viewer's Wish List, newest first. */
export async function wishList(
  db: Database,
  userId: string,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection<q.ProductRow>> {
  const limit = pageSize(first);
  const keyset = keysetFrom(after, 'SAVED');
  const rows = limit === 0 ? [] : await q.wishListPage(db.drizzle, userId, limit + 1, keyset);
  return connection(
    rows,
    limit,
    (r) => encodeCursor({ s: 'SAVED', k: new Date(r.savedAtMs).toISOString(), i: r.id } satisfies CursorValue),
    () => q.wishListCount(db.drizzle, userId),
  );
}
