/**
 * All SQL of the promotions subgraph, on drizzle's query builder with the rows'
 * types inferred from db/schema.ts. Money in cents; ids already checked to be UUIDs.
 * Raw `sql` appears only where the builder has no word for it, each time with why.
 */
import { and, desc, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../../platform/db.ts';
import { anyOf, arrayParam, prepared } from '../../../platform/prepared.ts';
import { coupons, priceWatches, productPrices, redemptions, userCoupons } from './schema.ts';

export type CouponRow = typeof coupons.$inferSelect;
export type UserCouponRow = typeof userCoupons.$inferSelect;
export type WatchRow = typeof priceWatches.$inferSelect;
/** A wallet entry with its coupon. */
export interface WalletRow {
  coupon: CouponRow;
  entry: UserCouponRow;
}

/** Case-insensitive code match; upper() is not in the builder, and it is what the unique index is on. */
const codeIs = (code: string): SQL => sql`upper(${coupons.code}) = upper(${code})`;

// ───────────── coupons ─────────────

export type NewCoupon = Pick<
  typeof coupons.$inferInsert,
  'code' | 'kind' | 'storeId' | 'title' | 'amountOff' | 'percentOff' | 'minOrderAmount' | 'startsAt' | 'expiresAt' | 'quantity' | 'createdBy'
>;

/** Inserts a coupon; null when the code is taken (case-insensitively). */
export async function insertCoupon(db: Executor, c: NewCoupon): Promise<CouponRow | null> {
  const [row] = await db.insert(coupons).values(c).onConflictDoNothing().returning();
  return row ?? null;
}

export async function couponCodeExists(db: Executor, code: string): Promise<boolean> {
  const rows = await db.select({ id: coupons.id }).from(coupons).where(codeIs(code));
  return rows.length > 0;
}

export function couponsByIds(db: Executor, ids: readonly string[]): Promise<CouponRow[]> {
  return db
    .select()
    .from(coupons)
    .where(inArray(coupons.id, [...ids]));
}

export async function couponByCode(db: Executor, code: string): Promise<CouponRow | null> {
  const [row] = await db.select().from(coupons).where(codeIs(code));
  return row ?? null;
}

const claimable = (now: Date) =>
  and(lte(coupons.startsAt, now), gt(coupons.expiresAt, now), or(isNull(coupons.quantity), lt(coupons.claimed, coupons.quantity)));

/** Coupons that can be claimed now; with storeId only that store's seller coupons. Newest first. */
export function claimableCoupons(db: Executor, now: Date, storeId: string | null, limit = 100): Promise<CouponRow[]> {
  return db
    .select()
    .from(coupons)
    .where(and(claimable(now), storeId ? eq(coupons.storeId, storeId) : undefined))
    .orderBy(desc(coupons.createdAt), coupons.id)
    .limit(limit);
}

/** Claimable seller coupons of several stores at once (Store.coupons). */
export function claimableCouponsOfStores(db: Executor, now: Date, storeIds: readonly string[]): Promise<CouponRow[]> {
  return db
    .select()
    .from(coupons)
    .where(and(inArray(coupons.storeId, [...storeIds]), claimable(now)))
    .orderBy(desc(coupons.createdAt), coupons.id);
}

// ───────────── the wallet ─────────────

/** Puts the coupon in the user's wallet; false when it already is there. */
export async function insertUserCoupon(db: Executor, couponId: string, userId: string, now: Date): Promise<boolean> {
  const rows = await db
    .insert(userCoupons)
    .values({ couponId, userId, claimedAt: now })
    .onConflictDoNothing({ target: [userCoupons.couponId, userCoupons.userId] })
    .returning({ id: userCoupons.id });
  return rows.length > 0;
}

/** Atomically counts one claim unless the coupon is exhausted; false when it is. */
export async function takeClaim(db: Executor, couponId: string): Promise<boolean> {
  const rows = await db
    .update(coupons)
    // an increment of the row's own value: the builder sets values, not expressions
    .set({ claimed: sql`${coupons.claimed} + 1` })
    .where(and(eq(coupons.id, couponId), or(isNull(coupons.quantity), lt(coupons.claimed, coupons.quantity))))
    .returning({ id: coupons.id });
  return rows.length > 0;
}

const wallet = (db: Executor) => db.select({ coupon: coupons, entry: userCoupons }).from(userCoupons).innerJoin(coupons, eq(coupons.id, userCoupons.couponId));

export async function walletEntry(db: Executor, couponId: string, userId: string): Promise<WalletRow | null> {
  const [row] = await wallet(db).where(and(eq(userCoupons.couponId, couponId), eq(userCoupons.userId, userId)));
  return row ?? null;
}

/** Wallets of several users (User.coupons), newest claim first. */
export function walletsOf(db: Executor, userIds: readonly string[]): Promise<WalletRow[]> {
  return walletsOfQuery(db, { ids: arrayParam(userIds) });
}
// prepared (platform/prepared.ts): every dashboard reads the viewer's coupons
const walletsOfQuery = prepared('promotions_wallets_of', (db) =>
  wallet(db).where(anyOf(userCoupons.userId, 'ids')).orderBy(desc(userCoupons.claimedAt), userCoupons.id),
);

/** FOR UPDATE OF needs an unqualified name: the schema-qualified table under an alias. */
const uc = alias(userCoupons, 'uc');

/** The buyer's wallet entries for these codes, locked for redemption (the wallet rows only). */
export function lockWalletByCodes(db: Executor, userId: string, codes: readonly string[]): Promise<WalletRow[]> {
  return db
    .select({ coupon: coupons, entry: uc })
    .from(uc)
    .innerJoin(coupons, eq(coupons.id, uc.couponId))
    .where(
      and(
        eq(uc.userId, userId),
        // upper() is not in the builder (codes compare case-insensitively)
        inArray(
          sql`upper(${coupons.code})`,
          codes.map((x) => x.toUpperCase()),
        ),
      ),
    )
    .orderBy(uc.id)
    .for('update', { of: uc });
}

/** Marks a wallet entry used, only if it is not used yet; false otherwise. */
export async function markUsed(db: Executor, userCouponId: string, orderId: string, key: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(userCoupons)
    .set({ usedAt: now, orderId, redemptionKey: key })
    .where(and(eq(userCoupons.id, userCouponId), isNull(userCoupons.usedAt)))
    .returning({ id: userCoupons.id });
  return rows.length > 0;
}

/** Gives back the coupons used under a redemption key or by these orders. */
export async function releaseUsed(db: Executor, key: string | null, orderIds: readonly string[]): Promise<number> {
  const by = or(key ? eq(userCoupons.redemptionKey, key) : undefined, orderIds.length ? inArray(userCoupons.orderId, [...orderIds]) : undefined);
  if (!by) return 0;
  const rows = await db
    .update(userCoupons)
    .set({ usedAt: null, orderId: null, redemptionKey: null })
    .where(and(isNotNull(userCoupons.usedAt), by))
    .returning({ id: userCoupons.id });
  return rows.length;
}

export async function deleteUnusedWallet(db: Executor, userId: string): Promise<void> {
  await db.delete(userCoupons).where(and(eq(userCoupons.userId, userId), isNull(userCoupons.usedAt)));
}

// ───────────── redemptions (idempotency) ─────────────

/** Reserves a redemption key; false when it exists already (then read its answer). */
export async function startRedemption(db: Executor, key: string, buyerId: string): Promise<boolean> {
  const rows = await db.insert(redemptions).values({ key, buyerId }).onConflictDoNothing({ target: redemptions.key }).returning({ key: redemptions.key });
  return rows.length > 0;
}

/** The stored answer of a key, and whether releaseCoupons released it (a released key never redeems). */
export async function redemptionResult(db: Executor, key: string): Promise<{ result: unknown; released: boolean }> {
  const [row] = await db.select({ result: redemptions.result, releasedAt: redemptions.releasedAt }).from(redemptions).where(eq(redemptions.key, key));
  return { result: row?.result ?? null, released: row?.releasedAt != null };
}

/**
 * Marks a redemption key released, inserting a tombstone (no buyer, no result) when the key never
 * redeemed. The upsert takes the key's row lock: it waits for a redeemCoupons of the same key that is
 * still in its transaction, and makes one that comes later find the key released.
 */
export async function markKeyReleased(db: Executor, key: string, now: Date): Promise<void> {
  await db
    .insert(redemptions)
    .values({ key, buyerId: null, releasedAt: now })
    .onConflictDoUpdate({
      target: redemptions.key,
      // keeps the first release time: coalesce() and the excluded row are not in the builder
      set: { releasedAt: sql`coalesce(${redemptions.releasedAt}, excluded.released_at)` },
    });
}

export async function finishRedemption(db: Executor, key: string, result: unknown): Promise<void> {
  await db.update(redemptions).set({ result }).where(eq(redemptions.key, key));
}

// ───────────── price watches ─────────────

export async function productMinPrice(db: Executor, productId: string): Promise<number | null> {
  const [row] = await db.select({ minPrice: productPrices.minPrice }).from(productPrices).where(eq(productPrices.productId, productId));
  return row ? row.minPrice : null;
}

/** Learns a product's price and title, unless a later event (higher seq) told it already. */
export async function upsertProductPrice(db: Executor, productId: string, minPrice: number, title: string | null, seq: number): Promise<void> {
  await db
    .insert(productPrices)
    .values({ productId, minPrice, title, lastSeq: seq })
    .onConflictDoUpdate({
      target: productPrices.productId,
      // the excluded row (and coalesce) are not in the builder
      set: {
        minPrice: sql`excluded.min_price`,
        title: sql`coalesce(excluded.title, ${productPrices.title})`,
        lastSeq: sql`excluded.last_seq`,
      },
      setWhere: lt(productPrices.lastSeq, sql`excluded.last_seq`),
    });
}

export async function insertWatch(db: Executor, userId: string, productId: string, lastSeen: number | null, now: Date): Promise<void> {
  await db
    .insert(priceWatches)
    .values({ userId, productId, lastSeenPrice: lastSeen, createdAt: now })
    .onConflictDoNothing({ target: [priceWatches.userId, priceWatches.productId] });
}

export async function deleteWatch(db: Executor, userId: string, productId: string): Promise<void> {
  await db.delete(priceWatches).where(and(eq(priceWatches.userId, userId), eq(priceWatches.productId, productId)));
}

export async function deleteWatchesOf(db: Executor, userId: string): Promise<void> {
  await db.delete(priceWatches).where(eq(priceWatches.userId, userId));
}

/** Watches of several users (User.priceWatches), newest first. */
export function watchesOf(db: Executor, userIds: readonly string[]): Promise<WatchRow[]> {
  return db
    .select()
    .from(priceWatches)
    .where(inArray(priceWatches.userId, [...userIds]))
    .orderBy(desc(priceWatches.createdAt), priceWatches.productId);
}

/** Which of these products the user watches. */
export async function watchedAmong(db: Executor, userId: string, productIds: readonly string[]): Promise<Set<string>> {
  const rows = await watchedAmongQuery(db, { userId, ids: arrayParam(productIds) });
  return new Set(rows.map((r) => r.productId));
}
// prepared (platform/prepared.ts): every product page asks
const watchedAmongQuery = prepared('promotions_watched_among', (db) =>
  db
    .select({ productId: priceWatches.productId })
    .from(priceWatches)
    .where(and(eq(priceWatches.userId, sql.placeholder('userId')), anyOf(priceWatches.productId, 'ids'))),
);

/** Watchers who have not been told a price yet start from this one (no alert). */
export async function setFirstSeenPrice(db: Executor, productId: string, price: number): Promise<void> {
  await db
    .update(priceWatches)
    .set({ lastSeenPrice: price })
    .where(and(eq(priceWatches.productId, productId), isNull(priceWatches.lastSeenPrice)));
}

/** Watchers who last saw a higher price: lowers their last seen price and returns what it was (one statement). */
export async function lowerLastSeen(db: Executor, productId: string, price: number): Promise<{ userId: string; previous: number }[]> {
  // the old value comes from a locking CTE joined in with UPDATE … FROM (RETURNING sees only the new row)
  const old = db.$with('old').as(
    db
      .select({ userId: priceWatches.userId, previous: priceWatches.lastSeenPrice })
      .from(priceWatches)
      .where(and(eq(priceWatches.productId, productId), gt(priceWatches.lastSeenPrice, price)))
      .for('update'),
  );
  const rows = await db
    .with(old)
    .update(priceWatches)
    .set({ lastSeenPrice: price })
    .from(old)
    .where(and(eq(priceWatches.productId, productId), eq(priceWatches.userId, old.userId)))
    .returning({ userId: priceWatches.userId, previous: old.previous });
  return rows.map((r) => ({ userId: r.userId, previous: r.previous! }));
}
