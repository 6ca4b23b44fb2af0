/**
 * Every SQL statement of the catalog subgraph, by area. Functions take an
 * executor (the database or an open transaction) so services decide the
 * transaction bounds. Row types are inferred from the tables (rows.ts).
 */
export type { CartLineRow, CartRow, CategoryRow, Keyset, ProductRow, StoreRow, VariantRow } from './rows.ts';
export * from './products.ts';
export * from './search.ts';
export * from './carts.ts';
export * from './lists.ts';
export * from './stock.ts';
export * from './moderation.ts';
