/**
 * Row types of the catalog's statements (inferred from the tables) and the
 * column sets several statements share.
 */
import { sql } from 'drizzle-orm';
import { cartLines, carts, categories, products, stores, variants } from '../schema.ts';

export type CategoryRow = typeof categories.$inferSelect;
export type StoreRow = typeof stores.$inferSelect;
export type VariantRow = typeof variants.$inferSelect;
export type CartRow = typeof carts.$inferSelect;
export type CartLineRow = typeof cartLines.$inferSelect;
/** A product as every statement selects it: the row without its search vector. */
export type ProductRow = Omit<typeof products.$inferSelect, 'search'>;

/** The columns of a ProductRow (everything but the search vector). */
export const productColumns = {
  id: products.id,
  storeId: products.storeId,
  categoryId: products.categoryId,
  title: products.title,
  description: products.description,
  images: products.images,
  minPrice: products.minPrice,
  maxPrice: products.maxPrice,
  createdAt: products.createdAt,
  archivedAt: products.archivedAt,
};

/** Where a page starts: the sort key of the last row seen, and its id. */
export interface Keyset {
  key: string | number;
  id: string;
}

/**
 * Raw-SQL product columns (for the statements the builder cannot say), with
 * created_at as exact epoch milliseconds (driver-independent).
 */
export const rawProductColumns = sql.raw(
  `p.id, p.store_id, p.category_id, p.title, p.description, p.images, p.min_price, p.max_price,
   (extract(epoch from p.created_at) * 1000)::float8 as created_ms,
   (extract(epoch from p.archived_at) * 1000)::float8 as archived_ms`,
);

export interface RawProduct {
  id: string;
  store_id: string;
  category_id: string;
  title: string;
  description: string;
  images: unknown;
  min_price: number | string;
  max_price: number | string;
  created_ms: number | string;
  archived_ms: number | string | null;
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

export function toProduct(r: RawProduct): ProductRow {
  return {
    id: r.id,
    storeId: r.store_id,
    categoryId: r.category_id,
    title: r.title,
    description: r.description,
    images: json<string[]>(r.images),
    minPrice: Number(r.min_price),
    maxPrice: Number(r.max_price),
    createdAt: new Date(Number(r.created_ms)),
    archivedAt: r.archived_ms === null ? null : new Date(Number(r.archived_ms)),
  };
}
