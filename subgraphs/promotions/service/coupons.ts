/** Creating coupons and claiming them into the wallet (the viewer is signed in: resolvers are `authed`). */
import { fail, forbidden } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import type { Viewer } from '../../../platform/auth.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import { toCoupon, toUserCoupon, type CouponView, type UserCouponView } from './view.ts';

export interface CreateCouponInput {
  kind: 'PLATFORM' | 'SELLER';
  storeId?: string | null;
  code: string;
  title: string;
  amountOff?: string | null;
  percentOff?: number | null;
  minOrderAmount: string;
  startsAt?: Date | null;
  expiresAt: Date;
  quantity?: number | null;
}

export const CODE_PATTERN = /^[A-Za-z0-9_-]{3,32}$/;
const MAX_QUANTITY = 10_000_000;

export async function createCoupon(deps: SubgraphDeps, viewer: Viewer, input: CreateCouponInput): Promise<CouponView> {
  if (input.kind === 'PLATFORM' && !viewer.roles.includes('admin')) {
    throw forbidden('Only platform administrators can create platform coupons.');
  }
  const now = deps.clock.now();
  const f = (name: string) => ['input', name];

  let storeId: string | null = null;
  if (input.kind === 'SELLER') {
    if (input.storeId === null || input.storeId === undefined) fail('INVALID_INPUT', 'A seller coupon needs the store it is for.', f('storeId'));
    if (!isId(input.storeId)) fail('NOT_FOUND', 'There is no such store.', f('storeId'));
    storeId = input.storeId;
  } else if (input.storeId !== null && input.storeId !== undefined) {
    fail('INVALID_INPUT', 'A platform coupon is not tied to a store.', f('storeId'));
  }

  const code = input.code;
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) {
    fail('INVALID_INPUT', 'The code must be 3 to 32 letters, digits, "-" or "_", without spaces.', f('code'));
  }
  const title = (input.title ?? '').trim();
  if (title.length < 1 || title.length > 100) fail('INVALID_INPUT', 'The title must be 1 to 100 characters.', f('title'));

  const hasAmount = input.amountOff !== null && input.amountOff !== undefined;
  const hasPercent = input.percentOff !== null && input.percentOff !== undefined;
  if (hasAmount === hasPercent) fail('INVALID_INPUT', 'Give exactly one of amountOff and percentOff.', f(hasAmount ? 'percentOff' : 'amountOff'));
  let amountOff: number | null = null;
  let percentOff: number | null = null;
  if (hasAmount) {
    amountOff = parseMoney(String(input.amountOff));
    if (amountOff === null || amountOff <= 0) fail('INVALID_INPUT', 'amountOff must be a positive amount such as "5.00".', f('amountOff'));
  } else {
    percentOff = input.percentOff!;
    if (!Number.isInteger(percentOff) || percentOff < 1 || percentOff > 95) fail('INVALID_INPUT', 'percentOff must be between 1 and 95.', f('percentOff'));
  }
  const minOrder = parseMoney(String(input.minOrderAmount ?? ''));
  if (minOrder === null) fail('INVALID_INPUT', 'minOrderAmount must be an amount such as "20.00" (0 for none).', f('minOrderAmount'));

  const startsAt = input.startsAt ?? now;
  const expiresAt = input.expiresAt;
  if (expiresAt.getTime() <= now.getTime()) fail('INVALID_INPUT', 'The expiry must be in the future.', f('expiresAt'));
  if (expiresAt.getTime() <= startsAt.getTime()) fail('INVALID_INPUT', 'The expiry must be after the start.', f('expiresAt'));
  const quantity = input.quantity ?? null;
  if (quantity !== null && (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY)) {
    fail('INVALID_INPUT', `quantity must be between 1 and ${MAX_QUANTITY}, or null for unlimited.`, f('quantity'));
  }

  if (await q.couponCodeExists(deps.db.drizzle, code)) fail('COUPON_CODE_TAKEN', 'This coupon code is already in use.', f('code'));

  if (storeId) {
    // No transaction is open here: the catalog may share our PGlite.
    const { stores } = await deps.internal.call<{ stores: { id: string; ownerId: string }[] }>('catalog', 'storesByIds', { ids: [storeId] });
    const store = stores?.find((s) => s.id === storeId);
    if (!store) fail('NOT_FOUND', 'There is no such store.', f('storeId'));
    if (store.ownerId !== viewer.id) throw forbidden('Only the store owner can create coupons for this store.');
  }

  const row = await q.insertCoupon(deps.db.drizzle, {
    code,
    kind: input.kind,
    storeId,
    title,
    amountOff,
    percentOff,
    minOrderAmount: minOrder,
    startsAt,
    expiresAt,
    quantity,
    createdBy: viewer.id,
  });
  // the unique index on upper(code) settles a race between two creators
  if (!row) fail('COUPON_CODE_TAKEN', 'This coupon code is already in use.', f('code'));
  return toCoupon(row);
}

export async function claimCoupon(
  deps: SubgraphDeps,
  viewer: Viewer,
  couponId: string | null | undefined,
  code: string | null | undefined,
): Promise<UserCouponView> {
  const byId = couponId !== null && couponId !== undefined;
  const byCode = code !== null && code !== undefined;
  if (byId === byCode) fail('INVALID_INPUT', 'Give exactly one of couponId and code.', [byId ? 'code' : 'couponId']);
  const db = deps.db.drizzle;
  let coupon: q.CouponRow | null = null;
  if (byId) coupon = isId(couponId) ? ((await q.couponsByIds(db, [couponId]))[0] ?? null) : null;
  else coupon = CODE_PATTERN.test(code!) ? await q.couponByCode(db, code!) : null;
  if (!coupon) fail('NOT_FOUND', 'There is no such coupon.', [byId ? 'couponId' : 'code']);
  const c = toCoupon(coupon);
  const now = deps.clock.now();
  if (c.startsAt.getTime() > now.getTime()) fail('COUPON_NOT_STARTED', 'This coupon cannot be claimed yet.', null);
  if (c.expiresAt.getTime() <= now.getTime()) fail('COUPON_EXPIRED', 'This coupon has expired.', null);

  return db.transaction(async (tx) => {
    if (!(await q.insertUserCoupon(tx, c.id, viewer.id, now))) fail('ALREADY_CLAIMED', 'You have already claimed this coupon.', null);
    if (!(await q.takeClaim(tx, c.id))) fail('COUPON_EXHAUSTED', 'This coupon has run out.', null);
    const entry = await q.walletEntry(tx, c.id, viewer.id);
    return toUserCoupon(entry!, now);
  });
}
