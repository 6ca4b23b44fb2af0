/** Creating coupons and claiming them into the wallet (the viewer is signed in: resolvers are `authed`). */
import { fail, forbidden } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import type { Viewer } from '../../../platform/auth.ts';
import { z } from 'zod';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import { validInput } from '../../../platform/validate.ts';
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
const QUANTITY_RULE = `quantity must be between 1 and ${MAX_QUANTITY}, or null for unlimited.`;
const TITLE_RULE = 'The title must be 1 to 100 characters.';
const PERCENT_RULE = 'percentOff must be between 1 and 95.';

/** A money string as minor units, or the issue `message`. */
const money = (message: string, positive: boolean) =>
  z.string().transform((value, ctx) => {
    const cents = parseMoney(value);
    if (cents === null || (positive && cents <= 0)) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return cents;
  });

/** The rules of a new coupon, in the words shown to the person; `now` for the dates. */
function couponInput(now: Date) {
  return z
    .object({
      kind: z.enum(['PLATFORM', 'SELLER']),
      storeId: z.string().nullish(),
      code: z.string().regex(CODE_PATTERN, 'The code must be 3 to 32 letters, digits, "-" or "_", without spaces.'),
      title: z.string().trim().min(1, TITLE_RULE).max(100, TITLE_RULE),
      amountOff: money('amountOff must be a positive amount such as "5.00".', true).nullish(),
      percentOff: z.number().int(PERCENT_RULE).min(1, PERCENT_RULE).max(95, PERCENT_RULE).nullish(),
      minOrderAmount: money('minOrderAmount must be an amount such as "20.00" (0 for none).', false),
      startsAt: z.date().nullish(),
      expiresAt: z.date().refine((d) => d.getTime() > now.getTime(), 'The expiry must be in the future.'),
      quantity: z.number().int(QUANTITY_RULE).min(1, QUANTITY_RULE).max(MAX_QUANTITY, QUANTITY_RULE).nullish(),
    })
    .superRefine((input, ctx) => {
      const hasStore = input.storeId !== null && input.storeId !== undefined;
      if (input.kind === 'SELLER' && !hasStore) {
        ctx.addIssue({ code: 'custom', message: 'A seller coupon needs the store it is for.', path: ['storeId'] });
      }
      if (input.kind === 'PLATFORM' && hasStore) {
        ctx.addIssue({ code: 'custom', message: 'A platform coupon is not tied to a store.', path: ['storeId'] });
      }
      const hasAmount = input.amountOff !== null && input.amountOff !== undefined;
      const hasPercent = input.percentOff !== null && input.percentOff !== undefined;
      if (hasAmount === hasPercent) {
        ctx.addIssue({ code: 'custom', message: 'Give exactly one of amountOff and percentOff.', path: [hasAmount ? 'percentOff' : 'amountOff'] });
      }
      if (input.expiresAt.getTime() <= (input.startsAt ?? now).getTime()) {
        ctx.addIssue({ code: 'custom', message: 'The expiry must be after the start.', path: ['expiresAt'] });
      }
    });
}

export async function createCoupon(deps: SubgraphDeps, viewer: Viewer, input: CreateCouponInput): Promise<CouponView> {
  if (input.kind === 'PLATFORM' && !viewer.roles.includes('admin')) {
    throw forbidden('Only platform administrators can create platform coupons.');
  }
  const now = deps.clock.now();
  const f = (name: string) => ['input', name];
  const valid = validInput(couponInput(now), input, { field: ['input'] });
  const storeId = valid.kind === 'SELLER' ? valid.storeId! : null;
  if (storeId !== null && !isId(storeId)) fail('NOT_FOUND', 'There is no such store.', f('storeId'));
  const { code, title } = valid;

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
    amountOff: valid.amountOff ?? null,
    percentOff: valid.percentOff ?? null,
    minOrderAmount: valid.minOrderAmount,
    startsAt: valid.startsAt ?? now,
    expiresAt: valid.expiresAt,
    quantity: valid.quantity ?? null,
    createdBy: viewer.id,
  });
  // the unique index on upper(code) settles a race between two creators
  if (!row) fail('COUPON_CODE_TAKEN', 'This coupon code is already in use.', f('code'));
  return toCoupon(row);
}

/** claimCoupon takes exactly one of couponId and code. */
const ClaimInput = z.object({ couponId: z.string().nullish(), code: z.string().nullish() }).superRefine(({ couponId, code }, ctx) => {
  const byId = couponId !== null && couponId !== undefined;
  if (byId === (code !== null && code !== undefined)) {
    ctx.addIssue({ code: 'custom', message: 'Give exactly one of couponId and code.', path: [byId ? 'code' : 'couponId'] });
  }
});

export async function claimCoupon(
  deps: SubgraphDeps,
  viewer: Viewer,
  couponId: string | null | undefined,
  code: string | null | undefined,
): Promise<UserCouponView> {
  validInput(ClaimInput, { couponId, code });
  const byId = couponId !== null && couponId !== undefined;
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
