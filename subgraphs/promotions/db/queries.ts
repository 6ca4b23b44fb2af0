/** All SQL of the promotions subgraph. Money in cents; ids already checked to be UUIDs. */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db.ts';

export interface CouponRow {
  id: string;
  code: string;
  kind: 'PLATFORM' | 'SELLER';
  store_id: string | null;
  title: string;
  amount_off: number | null;
  percent_off: number | null;
  min_order_amount: number;
  starts_at: Date | string;
  expires_at: Date | string;
  quantity: number | null;
  claimed: number;
}

export interface UserCouponRow extends CouponRow {
  user_coupon_id: string;
  user_id: string;
  claimed_at: Date | string;
  used_at: Date | string | null;
  order_id: string | null;
}

const COUPON_COLUMNS = sql`c.id, c.code, c.kind, c.store_id, c.title, c.amount_off, c.percent_off, c.min_order_amount,
  c.starts_at, c.expires_at, c.quantity, c.claimed`;
const WALLET_COLUMNS = sql`${COUPON_COLUMNS}, uc.id as user_coupon_id, uc.user_id, uc.claimed_at, uc.used_at, uc.order_id`;

function uuids(ids: readonly string[]) {
  return sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
}

function texts(values: readonly string[]) {
  return sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;
}

// ───────────── coupons ─────────────

export interface NewCoupon {
  code: string;
  kind: 'PLATFORM' | 'SELLER';
  storeId: string | null;
  title: string;
  amountOff: number | null;
  percentOff: number | null;
  minOrderAmount: number;
  startsAt: Date;
  expiresAt: Date;
  quantity: number | null;
  createdBy: string;
}

/** Inserts a coupon; null when the code is taken (case-insensitively). */
export async function insertCoupon(db: Executor, c: NewCoupon): Promise<CouponRow | null> {
  const rows = await queryRows<CouponRow>(
    db,
    sql`insert into promotions.coupons as c
          (code, kind, store_id, title, amount_off, percent_off, min_order_amount, starts_at, expires_at, quantity, created_by)
        values (${c.code}, ${c.kind}, ${c.storeId}, ${c.title}, ${c.amountOff}, ${c.percentOff}, ${c.minOrderAmount},
          ${c.startsAt.toISOString()}, ${c.expiresAt.toISOString()}, ${c.quantity}, ${c.createdBy})
        on conflict do nothing
        returning ${COUPON_COLUMNS}`,
  );
  return rows[0] ?? null;
}

export async function couponCodeExists(db: Executor, code: string): Promise<boolean> {
  const rows = await queryRows(db, sql`select 1 from promotions.coupons where upper(code) = upper(${code})`);
  return rows.length > 0;
}

export function couponsByIds(db: Executor, ids: readonly string[]): Promise<CouponRow[]> {
  return queryRows<CouponRow>(db, sql`select ${COUPON_COLUMNS} from promotions.coupons c where c.id = any(${uuids(ids)})`);
}

export async function couponByCode(db: Executor, code: string): Promise<CouponRow | null> {
  const rows = await queryRows<CouponRow>(
    db,
    sql`select ${COUPON_COLUMNS} from promotions.coupons c where upper(c.code) = upper(${code})`,
  );
  return rows[0] ?? null;
}

const CLAIMABLE = (now: Date) =>
  sql`c.starts_at <= ${now.toISOString()} and c.expires_at > ${now.toISOString()} and (c.quantity is null or c.claimed < c.quantity)`;

/** Coupons that can be claimed now; with storeId only that store's seller coupons. Newest first. */
export function claimableCoupons(db: Executor, now: Date, storeId: string | null, limit = 100): Promise<CouponRow[]> {
  return queryRows<CouponRow>(
    db,
    sql`select ${COUPON_COLUMNS} from promotions.coupons c
        where ${CLAIMABLE(now)} ${storeId ? sql`and c.store_id = ${storeId}` : sql``}
        order by c.created_at desc, c.id limit ${limit}`,
  );
}

/** Claimable seller coupons of several stores at once (Store.coupons). */
export function claimableCouponsOfStores(db: Executor, now: Date, storeIds: readonly string[]): Promise<CouponRow[]> {
  return queryRows<CouponRow>(
    db,
    sql`select ${COUPON_COLUMNS} from promotions.coupons c
        where c.store_id = any(${uuids(storeIds)}) and ${CLAIMABLE(now)}
        order by c.created_at desc, c.id`,
  );
}

// ───────────── the wallet ─────────────

/** Puts the coupon in the user's wallet; false when it already is there. */
export async function insertUserCoupon(db: Executor, couponId: string, userId: string, now: Date): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`insert into promotions.user_coupons (coupon_id, user_id, claimed_at) values (${couponId}, ${userId}, ${now.toISOString()})
        on conflict (coupon_id, user_id) do nothing returning id`,
  );
  return rows.length > 0;
}

/** Atomically counts one claim unless the coupon is exhausted; false when it is. */
export async function takeClaim(db: Executor, couponId: string): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`update promotions.coupons set claimed = claimed + 1
        where id = ${couponId} and (quantity is null or claimed < quantity) returning id`,
  );
  return rows.length > 0;
}

export async function walletEntry(db: Executor, couponId: string, userId: string): Promise<UserCouponRow | null> {
  const rows = await queryRows<UserCouponRow>(
    db,
    sql`select ${WALLET_COLUMNS} from promotions.user_coupons uc join promotions.coupons c on c.id = uc.coupon_id
        where uc.coupon_id = ${couponId} and uc.user_id = ${userId}`,
  );
  return rows[0] ?? null;
}

/** Wallets of several users (User.coupons), newest claim first. */
export function walletsOf(db: Executor, userIds: readonly string[]): Promise<UserCouponRow[]> {
  return queryRows<UserCouponRow>(
    db,
    sql`select ${WALLET_COLUMNS} from promotions.user_coupons uc join promotions.coupons c on c.id = uc.coupon_id
        where uc.user_id = any(${uuids(userIds)}) order by uc.claimed_at desc, uc.id`,
  );
}

/** The buyer's wallet entries for these codes, locked for redemption. */
export function lockWalletByCodes(db: Executor, userId: string, codes: readonly string[]): Promise<UserCouponRow[]> {
  return queryRows<UserCouponRow>(
    db,
    sql`select ${WALLET_COLUMNS} from promotions.user_coupons uc join promotions.coupons c on c.id = uc.coupon_id
        where uc.user_id = ${userId} and upper(c.code) = any(${texts(codes.map((x) => x.toUpperCase()))})
        order by uc.id
        for update of uc`,
  );
}

/** Marks a wallet entry used, only if it is not used yet; false otherwise. */
export async function markUsed(db: Executor, userCouponId: string, orderId: string, key: string, now: Date): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`update promotions.user_coupons set used_at = ${now.toISOString()}, order_id = ${orderId}, redemption_key = ${key}
        where id = ${userCouponId} and used_at is null returning id`,
  );
  return rows.length > 0;
}

/** Gives back the coupons used under a redemption key or by these orders. */
export async function releaseUsed(db: Executor, key: string | null, orderIds: readonly string[]): Promise<number> {
  const conds = [];
  if (key) conds.push(sql`redemption_key = ${key}`);
  if (orderIds.length) conds.push(sql`order_id = any(${uuids(orderIds)})`);
  if (!conds.length) return 0;
  const rows = await queryRows(
    db,
    sql`update promotions.user_coupons set used_at = null, order_id = null, redemption_key = null
        where used_at is not null and (${sql.join(conds, sql` or `)}) returning id`,
  );
  return rows.length;
}

export async function deleteUnusedWallet(db: Executor, userId: string): Promise<void> {
  await db.execute(sql`delete from promotions.user_coupons where user_id = ${userId} and used_at is null`);
}

// ───────────── redemptions (idempotency) ─────────────

/** Reserves a redemption key; false when it exists already (then read its answer). */
export async function startRedemption(db: Executor, key: string, buyerId: string): Promise<boolean> {
  const rows = await queryRows(
    db,
    sql`insert into promotions.redemptions (key, buyer_id) values (${key}, ${buyerId}) on conflict (key) do nothing returning key`,
  );
  return rows.length > 0;
}

/** The stored answer of a key, and whether releaseCoupons released it (a released key never redeems). */
export async function redemptionResult(db: Executor, key: string): Promise<{ result: unknown; released: boolean }> {
  const rows = await queryRows<{ result: unknown; released_at: unknown }>(
    db,
    sql`select result, released_at from promotions.redemptions where key = ${key}`,
  );
  const r = rows[0]?.result;
  return { result: typeof r === 'string' ? JSON.parse(r) : (r ?? null), released: rows[0]?.released_at != null };
}

/**
 * Marks a redemption key released, inserting a tombstone (no buyer, no result) when the key never
 * redeemed. The upsert takes the key's row lock: it waits for a redeemCoupons of the same key that is
 * still in its transaction, and makes one that comes later find the key released.
 */
export async function markKeyReleased(db: Executor, key: string, now: Date): Promise<void> {
  await db.execute(
    sql`insert into promotions.redemptions (key, buyer_id, released_at) values (${key}, null, ${now.toISOString()})
        on conflict (key) do update set released_at = coalesce(promotions.redemptions.released_at, excluded.released_at)`,
  );
}

export async function finishRedemption(db: Executor, key: string, result: unknown): Promise<void> {
  await db.execute(sql`update promotions.redemptions set result = ${JSON.stringify(result)}::jsonb where key = ${key}`);
}

// ───────────── price watches ─────────────

export async function productMinPrice(db: Executor, productId: string): Promise<number | null> {
  const rows = await queryRows<{ min_price: number }>(
    db,
    sql`select min_price from promotions.product_prices where product_id = ${productId}`,
  );
  return rows[0] ? Number(rows[0].min_price) : null;
}

export async function upsertProductPrice(db: Executor, productId: string, minPrice: number, title: string | null, seq: number): Promise<void> {
  await db.execute(
    sql`insert into promotions.product_prices (product_id, min_price, title, last_seq) values (${productId}, ${minPrice}, ${title}, ${seq})
        on conflict (product_id) do update set min_price = excluded.min_price, title = coalesce(excluded.title, promotions.product_prices.title),
          last_seq = excluded.last_seq
        where promotions.product_prices.last_seq < excluded.last_seq`,
  );
}

export async function insertWatch(db: Executor, userId: string, productId: string, lastSeen: number | null, now: Date): Promise<void> {
  await db.execute(
    sql`insert into promotions.price_watches (user_id, product_id, last_seen_price, created_at)
        values (${userId}, ${productId}, ${lastSeen}, ${now.toISOString()}) on conflict (user_id, product_id) do nothing`,
  );
}

export async function deleteWatch(db: Executor, userId: string, productId: string): Promise<void> {
  await db.execute(sql`delete from promotions.price_watches where user_id = ${userId} and product_id = ${productId}`);
}

export async function deleteWatchesOf(db: Executor, userId: string): Promise<void> {
  await db.execute(sql`delete from promotions.price_watches where user_id = ${userId}`);
}

export interface WatchRow {
  user_id: string;
  product_id: string;
  created_at: Date | string;
}

/** Watches of several users (User.priceWatches), newest first. */
export function watchesOf(db: Executor, userIds: readonly string[]): Promise<WatchRow[]> {
  return queryRows<WatchRow>(
    db,
    sql`select user_id, product_id, created_at from promotions.price_watches
        where user_id = any(${uuids(userIds)}) order by created_at desc, product_id`,
  );
}

/** Which of these products the user watches. */
export async function watchedAmong(db: Executor, userId: string, productIds: readonly string[]): Promise<Set<string>> {
  const rows = await queryRows<{ product_id: string }>(
    db,
    sql`select product_id from promotions.price_watches where user_id = ${userId} and product_id = any(${uuids(productIds)})`,
  );
  return new Set(rows.map((r) => r.product_id));
}

/** Watchers who have not been told a price yet start from this one (no alert). */
export async function setFirstSeenPrice(db: Executor, productId: string, price: number): Promise<void> {
  await db.execute(
    sql`update promotions.price_watches set last_seen_price = ${price} where product_id = ${productId} and last_seen_price is null`,
  );
}

/** Watchers who last saw a higher price: lowers their last seen price and returns what it was. */
export function lowerLastSeen(db: Executor, productId: string, price: number): Promise<{ user_id: string; previous: number }[]> {
  return queryRows<{ user_id: string; previous: number }>(
    db,
    sql`with old as (
          select user_id, last_seen_price as previous from promotions.price_watches
          where product_id = ${productId} and last_seen_price > ${price} for update
        )
        update promotions.price_watches w set last_seen_price = ${price}
        from old where w.product_id = ${productId} and w.user_id = old.user_id
        returning w.user_id, old.previous`,
  );
}
