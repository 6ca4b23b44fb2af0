/** Thin resolvers of the promotions subgraph: arguments in, service or loader call, result out. */
import { authed, type SignedIn } from '../../platform/context.ts';
import { payload } from '../../platform/errors.ts';
import { DateTime, money } from '../../platform/scalars.ts';
import type { PromotionsContext as Ctx } from './context.ts';
import type { CreateCouponInput } from './service/coupons.ts';
import type { CouponStatus, CouponView, UserCouponView } from './service/view.ts';

/** A resolver's context when its person is signed in (`authed`). */
type Me = SignedIn<Ctx>;

/** The viewer's own private lists; anyone else's are empty. */
const own = (ctx: Ctx, userId: string) => ctx.viewer?.id === userId;

export const resolvers = {
  DateTime,
  Query: {
    availableCoupons: (_: unknown, args: { storeId?: string | null }, ctx: Ctx) => ctx.service.availableCoupons(args.storeId),
  },
  Mutation: {
    createCoupon: authed((_: unknown, args: { input: CreateCouponInput }, ctx: Me) =>
      payload({ coupon: null as CouponView | null }, async () => ({ coupon: await ctx.service.createCoupon(ctx.viewer, args.input) })),
    ),
    claimCoupon: authed((_: unknown, args: { couponId?: string | null; code?: string | null }, ctx: Me) =>
      payload({ userCoupon: null as UserCouponView | null }, async () => ({
        userCoupon: await ctx.service.claimCoupon(ctx.viewer, args.couponId, args.code),
      })),
    ),
    watchPrice: authed((_: unknown, args: { productId: string }, ctx: Me) =>
      payload({ product: null as { id: string } | null }, async () => {
        const r = await ctx.service.watchPrice(ctx.viewer, args.productId);
        return { product: { id: r.productId } };
      }),
    ),
    unwatchPrice: authed((_: unknown, args: { productId: string }, ctx: Me) =>
      payload({ product: null as { id: string } | null }, async () => {
        const r = await ctx.service.unwatchPrice(ctx.viewer, args.productId);
        return { product: { id: r.productId } };
      }),
    ),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    coupons: async (user: { id: string }, args: { status?: CouponStatus | null }, ctx: Ctx) => {
      if (!own(ctx, user.id)) return [];
      const all = await ctx.loaders.wallet.load(user.id);
      return args.status ? all.filter((c) => c.status === args.status) : all;
    },
    priceWatches: async (user: { id: string }, _: unknown, ctx: Ctx) => (own(ctx, user.id) ? ctx.loaders.watches.load(user.id) : []),
  },
  Product: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    watched: (p: { id: string }, _: unknown, ctx: Ctx) => ctx.loaders.watched.load(p.id),
  },
  Store: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    coupons: (s: { id: string }, _: unknown, ctx: Ctx) => ctx.loaders.storeCoupons.load(s.id),
  },
  Coupon: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.couponById.load(ref.id),
    store: (c: CouponView) => (c.storeId ? { __typename: 'Store', id: c.storeId } : null),
    amountOff: (c: CouponView) => (c.amountOffCents === null ? null : money(c.amountOffCents)),
    minOrderAmount: (c: CouponView) => money(c.minOrderCents),
    remaining: (c: CouponView) => (c.quantity === null ? null : Math.max(0, c.quantity - c.claimed)),
  },
  UserCoupon: {
    order: (u: UserCouponView) => (u.orderId ? { __typename: 'Order', id: u.orderId } : null),
  },
  PriceWatch: {
    product: (w: { productId: string }) => ({ __typename: 'Product', id: w.productId }),
  },
} satisfies Record<string, unknown>;
