/** The catalog subgraph's tables, all in the PostgreSQL schema "catalog". */
import { sql } from 'drizzle-orm';
import { check, customType, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const catalogSchema = pgSchema('catalog');

const tsvector = customType<{ data: string }>({
  dataType() {
    return 'tsvector';
  },
});

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Reference data: seeded by a migration (see migrations/*_categories.sql). */
export const categories = catalogSchema.table(
  'categories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    parentId: uuid('parent_id'),
    position: integer('position').notNull().default(0),
  },
  (t) => [index('categories_parent_idx').on(t.parentId)],
);

export const stores = catalogSchema.table(
  'stores',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id').notNull(),
    /** As typed (trimmed, white space collapsed): what people see. */
    name: text('name').notNull(),
    /**
     * The name in the form names are compared in (service/store-names.ts: NFKC, invisible
     * characters removed, look-alike letters folded, lower case): unique, so look-alikes
     * cannot both exist, whatever the concurrency. Null only for a store made before
     * this column, until the catalog's start-up fills it in.
     */
    nameKey: text('name_key'),
    description: text('description'),
    createdAt: ts('created_at').notNull().defaultNow(),
    /**
     * Set while an admin has suspended the store (service/moderation.ts): out of search, nothing
     * of it can be bought, its owner cannot add or change products; its open orders go on.
     */
    suspendedAt: ts('suspended_at'),
    suspensionReason: text('suspension_reason'),
  },
  (t) => [
    uniqueIndex('stores_name_lower_idx').on(sql`lower(${t.name})`),
    uniqueIndex('stores_name_key_idx').on(t.nameKey),
    index('stores_owner_idx').on(t.ownerId),
  ],
);

export const products = catalogSchema.table(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id),
    categoryId: uuid('category_id')
      .notNull()
      .references(() => categories.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    images: jsonb('images').$type<string[]>().notNull().default([]),
    /** Lowest and highest variant price (cents), kept in step with the variants. */
    minPrice: integer('min_price').notNull(),
    maxPrice: integer('max_price').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    search: tsvector('search').generatedAlwaysAs(
      sql`setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')`,
    ),
  },
  (t) => [
    index('products_search_idx').using('gin', t.search),
    index('products_store_idx').on(t.storeId, t.createdAt),
    index('products_category_idx').on(t.categoryId),
    index('products_created_idx').on(t.createdAt, t.id),
    index('products_min_price_idx').on(t.minPrice, t.id),
  ],
);

export const variants = catalogSchema.table(
  'variants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    /** Denormalised from the product: SKUs are unique per store. */
    storeId: uuid('store_id').notNull(),
    sku: text('sku').notNull(),
    options: jsonb('options').$type<{ name: string; value: string }[]>().notNull().default([]),
    price: integer('price').notNull(),
    /** Units that can still be bought: reservations take from it, releases give back. */
    stock: integer('stock').notNull(),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    uniqueIndex('variants_store_sku_idx').on(t.storeId, t.sku),
    index('variants_product_idx').on(t.productId, t.position),
    check('variants_stock_nonnegative', sql`${t.stock} >= 0`),
    check('variants_price_positive', sql`${t.price} > 0`),
  ],
);

export const carts = catalogSchema.table(
  'carts',
  {
    /** Random UUID v4: a guest cart's id is its only key. */
    id: uuid('id').primaryKey(),
    /** null: a guest cart. */
    ownerId: uuid('owner_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('carts_owner_idx').on(t.ownerId)],
);

export const cartLines = catalogSchema.table(
  'cart_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    cartId: uuid('cart_id')
      .notNull()
      .references(() => carts.id, { onDelete: 'cascade' }),
    variantId: uuid('variant_id')
      .notNull()
      .references(() => variants.id),
    quantity: integer('quantity').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('cart_lines_cart_variant_idx').on(t.cartId, t.variantId), check('cart_lines_quantity_range', sql`${t.quantity} between 1 and 999`)],
);

export const wishListItems = catalogSchema.table(
  'wish_list_items',
  {
    userId: uuid('user_id').notNull(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.productId] }), index('wish_list_user_idx').on(t.userId, t.createdAt)],
);

export const storeFollows = catalogSchema.table(
  'store_follows',
  {
    userId: uuid('user_id').notNull(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => stores.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.storeId] }), index('store_follows_store_idx').on(t.storeId)],
);

/** Stock reservations by idempotency key (checkout). */
export const reservations = catalogSchema.table('reservations', {
  key: text('key').primaryKey(),
  items: jsonb('items').$type<{ variantId: string; quantity: number }[]>().notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  releasedAt: ts('released_at'),
});
