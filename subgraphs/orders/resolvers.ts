/** Thin resolvers of the orders subgraph: arguments in, service or loader call, result out. */
import type { GraphQLResolveInfo } from 'graphql';
import { authed, type SignedIn } from '../../platform/context.ts';
import { payload } from '../../platform/errors.ts';
import { connection } from '../../platform/pagination.ts';
import { DateTime, money, pageSize } from '../../platform/scalars.ts';
import { selects } from '../../platform/selection.ts';
import type { OrdersContext } from './context.ts';
import type { HistoryRow, LineRow, OrderRow, PaymentRow, ReviewRow, SavedMethodRow, TransactionRow } from './db/queries/index.ts';
import { aftersalesResolvers as after } from './resolvers-aftersales.ts';
import type { PaymentMethod } from './payments/provider.ts';
import type { CheckoutInput } from './service/checkout-input.ts';
import type { TrackingEventInput } from './service/tracking.ts';
import type { PaymentInput } from './service/payment-source.ts';
import { keysetCursor, parseKeyset, type PageArgs } from './service/orders.ts';

type Ctx = OrdersContext;
/** The context of a resolver that needs a person (`authed`): the viewer is present. */
type In = SignedIn<Ctx>;
/** An Order as a parent: a loaded row, or a bare reference from a subscription event. */
type OrderParent = OrderRow | { __typename: 'Order'; id: string };

async function row(o: OrderParent, ctx: Ctx): Promise<OrderRow> {
  if ('number' in o) return o;
  const r = await ctx.loaders.orderById.load(o.id);
  if (!r) throw new Error('order vanished');
  return r;
}

const field =
  <K extends keyof OrderRow>(k: K) =>
  async (o: OrderParent, _: unknown, ctx: Ctx) =>
    (await row(o, ctx))[k];
const moneyField = (k: 'subtotal' | 'shippingCost' | 'discount' | 'total') => async (o: OrderParent, _: unknown, ctx: Ctx) => money((await row(o, ctx))[k]);

const orderPayload = (work: () => Promise<OrderRow>) => payload({ order: null as OrderRow | null }, async () => ({ order: await work() }));

export const resolvers = {
  DateTime,

  Query: {
    order: authed((_: unknown, a: { id: string }, ctx: In) => ctx.service.orders.order(ctx.viewer, a.id, ctx.loaders)),
    ...after.Query,
  },

  Mutation: {
    checkout: authed((_: unknown, a: { input: CheckoutInput }, ctx: In) =>
      payload({ orders: [] as OrderRow[] }, () => ctx.service.checkouts.checkout(ctx.viewer, a.input)),
    ),
    payOrders: authed((_: unknown, a: { orderIds: string[]; payment: PaymentInput; idempotencyKey: string }, ctx: In) =>
      payload({ payment: null as PaymentRow | null, orders: [] as OrderRow[] }, () =>
        ctx.service.payments.payOrders(ctx.viewer, a.orderIds, a.payment, a.idempotencyKey),
      ),
    ),
    cancelOrder: authed((_: unknown, a: { orderId: string; reason?: string | null }, ctx: In) =>
      orderPayload(() => ctx.service.lifecycle.cancelOrder(ctx.viewer, a.orderId, a.reason)),
    ),
    extendShippingTime: authed((_: unknown, a: { orderId: string; days: number }, ctx: In) =>
      orderPayload(() => ctx.service.lifecycle.extendShippingTime(ctx.viewer, a.orderId, a.days)),
    ),
    confirmReceipt: authed((_: unknown, a: { orderId: string }, ctx: In) => orderPayload(() => ctx.service.lifecycle.confirmReceipt(ctx.viewer, a.orderId))),
    shipOrder: authed((_: unknown, a: { orderId: string; trackingNumber: string; carrier?: string | null }, ctx: In) =>
      orderPayload(() => ctx.service.lifecycle.shipOrder(ctx.viewer, a.orderId, a.trackingNumber, a.carrier)),
    ),
    addTrackingEvent: authed((_: unknown, a: { orderId: string; input: TrackingEventInput }, ctx: In) =>
      orderPayload(async () => {
        const order = await ctx.service.tracking.addTrackingEvent(ctx.viewer, a.orderId, a.input);
        ctx.loaders.trackingByOrder.clear(order.id);
        return order;
      }),
    ),
    savePaymentMethod: authed((_: unknown, a: { method: PaymentMethod; token: string; makeDefault?: boolean | null }, ctx: In) =>
      payload({ savedPaymentMethod: null as SavedMethodRow | null, user: null as { __typename: 'User'; id: string } | null }, async () => ({
        savedPaymentMethod: await ctx.service.methods.save(ctx.viewer, a.method, a.token, a.makeDefault ?? false),
        user: { __typename: 'User' as const, id: ctx.viewer.id },
      })),
    ),
    removePaymentMethod: authed((_: unknown, a: { id: string }, ctx: In) =>
      payload({ user: null as { __typename: 'User'; id: string } | null }, async () => ({ user: await ctx.service.methods.remove(ctx.viewer, a.id) })),
    ),
    ...after.Mutation,
  },

  Subscription: {
    orderStatusChanged: {
      subscribe: authed((_: unknown, a: { orderId?: string | null; after?: string | null }, ctx: In) =>
        // each event: current data, read with loaders of the subscription's own
        ctx.service.orders.orderStatusChanged(ctx.viewer, a, (seq) => (ctx.loaders = ctx.eventLoaders(seq))),
      ),
      resolve: (value: unknown) => value,
    },
  },

  User: {
    // a page that shows its orders' lines reads them with the orders (one statement)
    orders: authed((u: { id: string }, a: PageArgs, ctx: In, info: GraphQLResolveInfo) =>
      ctx.service.orders.userOrders(ctx.viewer, u.id, a, ctx.loaders, selects(info, 'edges', 'node', 'lines')),
    ),
    orderCounts: authed((u: { id: string }, _: unknown, ctx: In) => ctx.service.orders.userOrderCounts(ctx.viewer, u.id, ctx.loaders)),
    ...after.User,
    // only ever the viewer (as every User field): someone else's methods are not shown
    savedPaymentMethods: authed((u: { id: string }, _: unknown, ctx: In) => (u.id === ctx.viewer.id ? ctx.loaders.savedMethodsByUser.load(u.id) : [])),
    transactions: authed((u: { id: string }, a: { first?: number | null; after?: string | null }, ctx: In) =>
      ctx.service.methods.transactions(ctx.viewer, u.id, a),
    ),
  },

  Store: {
    rating: (s: { id: string }, _: unknown, ctx: Ctx) => ctx.loaders.storeRating.load(s.id),
    orders: authed((s: { id: string }, a: PageArgs, ctx: In) => ctx.service.orders.storeOrders(ctx.viewer, s.id, a, ctx.loaders)),
    orderCounts: authed((s: { id: string }, _: unknown, ctx: In) => ctx.service.seller.orderCounts(ctx.viewer, s.id, ctx.loaders)),
    stats: authed((s: { id: string; followerCount?: number | null }, _: unknown, ctx: In) => ctx.service.seller.stats(ctx.viewer, s, ctx.loaders)),
  },

  Product: {
    // rating, reviewCount and a page of reviews asked together are read by one statement (loaders.ts)
    rating: async (p: { id: string }, _: unknown, ctx: Ctx) => (await ctx.loaders.productReviews.load({ productId: p.id, page: null })).rating,
    reviewCount: async (p: { id: string }, _: unknown, ctx: Ctx) => (await ctx.loaders.productReviews.load({ productId: p.id, page: null })).count,
    reviews: async (p: { id: string }, a: { first?: number | null; after?: string | null }, ctx: Ctx) => {
      const limit = pageSize(a.first);
      const before = parseKeyset(a.after);
      const r = await ctx.loaders.productReviews.load({ productId: p.id, page: limit === 0 ? null : { limit: limit + 1, before } });
      return { ...connection(r.reviews, limit, keysetCursor), totalCount: r.count };
    },
  },

  Review: {
    authorName: (r: ReviewRow, _: unknown, ctx: Ctx) => ctx.loaders.authorName.load(r.buyerId),
    ...after.Review,
  },

  Order: {
    __resolveReference: (ref: { id: unknown }, ctx: Ctx) => ctx.service.orders.orderReference(ctx.viewer, ref.id, ctx.loaders),
    number: field('number'),
    status: field('status'),
    store: async (o: OrderParent, _: unknown, ctx: Ctx) => ({ __typename: 'Store', id: (await row(o, ctx)).storeId }),
    lines: (o: OrderParent, _: unknown, ctx: Ctx) => ctx.loaders.linesByOrder.load(o.id),
    shippingAddress: async (o: OrderParent, _: unknown, ctx: Ctx) => {
      const r = await row(o, ctx);
      return {
        recipientName: r.recipientName,
        phone: r.phone,
        country: r.country,
        province: r.province,
        city: r.city,
        street: r.street,
        postalCode: r.postalCode,
      };
    },
    shippingMethod: field('shippingMethod'),
    subtotal: moneyField('subtotal'),
    shippingCost: moneyField('shippingCost'),
    discount: moneyField('discount'),
    total: moneyField('total'),
    couponCodes: field('couponCodes'),
    paymentDeadline: field('paymentDeadline'),
    shipByDeadline: field('shipByDeadline'),
    deliveryDeadline: field('deliveryDeadline'),
    feedbackDeadline: field('feedbackDeadline'),
    trackingNumber: field('trackingNumber'),
    estimatedDeliveryFrom: field('estimatedDeliveryFrom'),
    estimatedDeliveryTo: field('estimatedDeliveryTo'),
    shipment: async (o: OrderParent, _: unknown, ctx: Ctx) => {
      const r = await row(o, ctx);
      if (!r.trackingNumber) return null;
      return { orderId: r.id, carrier: r.carrier, trackingNumber: r.trackingNumber, deliveredAt: r.deliveredAt };
    },
    statusHistory: (o: OrderParent, _: unknown, ctx: Ctx) => ctx.loaders.historyByOrder.load(o.id),
    feedback: (o: OrderParent, _: unknown, ctx: Ctx) => ctx.loaders.feedbackByOrder.load(o.id),
    ...after.Order,
    createdAt: field('createdAt'),
  },

  Shipment: {
    events: (s: { orderId: string }, _: unknown, ctx: Ctx) => ctx.loaders.trackingByOrder.load(s.orderId),
  },

  OrderLine: {
    product: (l: LineRow) => ({ __typename: 'Product', id: l.productId }),
    variant: (l: LineRow) => ({ __typename: 'ProductVariant', id: l.variantId }),
    unitPrice: (l: LineRow) => money(l.unitPrice),
    subtotal: (l: LineRow) => money(l.subtotal),
  },

  OrderStatusChange: {
    reason: (h: HistoryRow) => h.reason,
  },

  Feedback: after.Feedback,
  Refund: after.Refund,
  Dispute: after.Dispute,
  DisputeLine: after.DisputeLine,

  Payment: {
    status: (p: PaymentRow) => p.state,
    amount: (p: PaymentRow) => money(p.amount),
    nextActionUrl: (p: PaymentRow) => (p.state === 'REQUIRES_ACTION' ? p.nextActionUrl : null),
  },

  Transaction: {
    amount: (t: TransactionRow) => money(t.amount),
    orders: async (t: TransactionRow, _: unknown, ctx: Ctx) => (await ctx.loaders.orderById.loadMany(t.orderIds)).filter((o) => o && !(o instanceof Error)),
  },
} satisfies Record<string, unknown>;
