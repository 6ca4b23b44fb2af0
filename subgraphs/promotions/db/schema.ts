/** The promotions subgraph's tables, all in the PostgreSQL schema "promotions". */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const promotionsSchema = pgSchema('promotions');

/** PLATFORM coupons (made by admins) and SELLER coupons (made by a store's owner, for that store). */
export const coupons = promotionsSchema.table(
  'coupons',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    code: text('code').notNull(),
    kind: text('kind', { enum: ['PLATFORM', 'SELLER'] }).notNull(), // a check constraint, not a type (no migration)
    storeId: uuid('store_id'),
    title: text('title').notNull(),
    amountOff: integer('amount_off'), // cents
    percentOff: integer('percent_off'),
    minOrderAmount: integer('min_order_amount').notNull().default(0), // cents
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Total claims allowed; null: unlimited. */
    quantity: integer('quantity'),
    claimed: integer('claimed').notNull().default(0),
    createdBy: uuid('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('coupons_code_upper_key').on(sql`upper(${t.code})`),
    index('coupons_store_idx').on(t.storeId),
    check('coupons_kind_check', sql`${t.kind} in ('PLATFORM', 'SELLER')`),
    check('coupons_store_check', sql`(${t.kind} = 'SELLER') = (${t.storeId} is not null)`),
    check('coupons_one_discount_check', sql`(${t.amountOff} is null) <> (${t.percentOff} is null)`),
    check('coupons_claimed_check', sql`${t.claimed} >= 0 and (${t.quantity} is null or ${t.claimed} <= ${t.quantity})`),
  ],
);

/** The wallet ("My Coupons"): one row per person per claimed coupon. */
export const userCoupons = promotionsSchema.table(
  'user_coupons',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    couponId: uuid('coupon_id')
      .notNull()
      .references(() => coupons.id),
    userId: uuid('user_id').notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    orderId: uuid('order_id'),
    /** The redeemCoupons key that used it (cleared on release). */
    redemptionKey: text('redemption_key'),
  },
  (t) => [
    uniqueIndex('user_coupons_coupon_user_key').on(t.couponId, t.userId),
    index('user_coupons_user_idx').on(t.userId),
    index('user_coupons_order_idx').on(t.orderId),
    index('user_coupons_key_idx').on(t.redemptionKey),
  ],
);

/**
 * redeemCoupons answers by idempotency key. releaseCoupons(key) sets released_at (inserting the row,
 * a tombstone with no buyer, when the key never redeemed): a released key never redeems again.
 */
export const redemptions = promotionsSchema.table('redemptions', {
  key: text('key').primaryKey(),
  /** null on a tombstone (released before any redemption arrived). */
  buyerId: uuid('buyer_id'),
  result: jsonb('result'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  releasedAt: timestamp('released_at', { withTimezone: true }),
});

/** Products' current minimum price, as learnt from product.price_changed events. */
export const productPrices = promotionsSchema.table('product_prices', {
  productId: uuid('product_id').primaryKey(),
  minPrice: integer('min_price').notNull(),
  title: text('title'),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
});

/** Price watches; last_seen_price is the lowest price the watcher was told about (or saw when watching). */
export const priceWatches = promotionsSchema.table(
  'price_watches',
  {
    userId: uuid('user_id').notNull(),
    productId: uuid('product_id').notNull(),
    lastSeenPrice: integer('last_seen_price'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.productId] }), index('price_watches_product_idx').on(t.productId)],
);
