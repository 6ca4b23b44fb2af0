/**
 * The reads of the orders subgraph (an order, the buyer's and the store's
 * lists, counts) and the order status subscription, with who may see what.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { badInput, forbidden } from '../../../platform/errors.ts';
import type { BusEvent } from '../../../platform/events/bus.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { decodeCursor, encodeCursor, isId, pageSize } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { liveEvents } from '../../../platform/subscriptions/live.ts';
import * as q from '../db/queries/index.ts';
import type { OrderRow, OrderStatus } from '../db/queries/index.ts';
import { STATUS_TOPIC, TRACKING_TOPIC } from '../events.ts';
import type { Loaders } from '../loaders.ts';
import { assertStoreOwner } from './seller.ts';

type Keyset = { createdAt: string; id: string };
export type PageArgs = { status?: OrderStatus | null; first?: number | null; after?: string | null };

export function keysetCursor(row: { createdAt: Date; id: string }): string {
  return encodeCursor([row.createdAt.toISOString(), row.id]);
}

export function parseKeyset(after: string | null | undefined): Keyset | null {
  const v = decodeCursor<unknown>(after);
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !isId(v[1]) || Number.isNaN(Date.parse(v[0]))) {
    throw badInput('The cursor is not valid.');
  }
  return { createdAt: v[0], id: v[1] };
}

interface StatusEvent {
  cursor: string;
  order: OrderRow | { __typename: 'Order'; id: string };
  previousStatus: unknown;
  status: unknown;
  at: unknown;
  /** An `order.tracking_event`'s tracking event (the order's status unchanged); null for a status change. */
  trackingEvent: unknown;
  /** How the subscriber takes part in the order. */
  viewerRole: 'BUYER' | 'SELLER';
}

export class OrderReads {
  constructor(private readonly deps: SubgraphDeps) {}

  /** An order by id for its buyer or seller; null for anyone else (and for unknown ids). */
  async order(viewer: Viewer, id: string, loaders: Loaders): Promise<OrderRow | null> {
    if (!isId(id)) return null;
    const row = await loaders.orderById.load(id);
    return row && canSee(viewer, row) ? row : null;
  }

  /** `__resolveReference`: the same rule, without demanding a viewer. */
  async orderReference(viewer: Viewer | null, id: unknown, loaders: Loaders): Promise<OrderRow | null> {
    if (!viewer || !isId(id)) return null;
    return this.order(viewer, id, loaders);
  }

  /** `withLines`: the client shows each order's lines (one statement reads them with the page). */
  async userOrders(viewer: Viewer, userId: string, args: PageArgs, loaders: Loaders, withLines = false): Promise<Connection<OrderRow>> {
    if (viewer.id !== userId) throw forbidden('You can only see your own orders.');
    const status = args.status ?? null;
    // the list is the buyer's orders, optionally of one status (the cursor does not narrow the
    // total): its total is a sum of the per status counts that orderCounts reads too
    const totalCount = async () => {
      const counts = await loaders.buyerStatusCounts.load(userId);
      return status ? (counts[status] ?? 0) : sum(counts);
    };
    return this.page({ buyerId: userId, status }, args, totalCount, withLines ? loaders : null);
  }

  async userOrderCounts(viewer: Viewer, userId: string, loaders: Loaders) {
    if (viewer.id !== userId) throw forbidden('You can only see your own orders.');
    const c = await loaders.buyerStatusCounts.load(userId);
    return {
      paymentRequired: c.PAYMENT_REQUIRED ?? 0,
      shipmentRequired: c.SHIPMENT_REQUIRED ?? 0,
      unconfirmedDelivery: c.UNCONFIRMED_DELIVERY ?? 0,
      feedbackRequired: c.FEEDBACK_REQUIRED ?? 0,
      disputed: c.DISPUTED ?? 0,
      all: sum(c),
    };
  }

  async storeOrders(viewer: Viewer, storeId: string, args: PageArgs, loaders: Loaders): Promise<Connection<OrderRow>> {
    await assertStoreOwner(viewer, storeId, loaders, 'orders');
    const status = args.status ?? null;
    // as the buyer's list: the total is one of the store's per status counts (seller.ts) or their sum
    const totalCount = async () => {
      const t = await loaders.storeStatusTotals.load(storeId);
      return status ? (t[status]?.count ?? 0) : Object.values(t).reduce((s, x) => s + x.count, 0);
    };
    // a seller's stores each with their orders: their pages are one statement (loaders.ts)
    const limit = pageSize(args.first);
    const before = parseKeyset(args.after);
    const rows = limit === 0 ? [] : await loaders.storeOrders.load({ storeId, status, limit: limit + 1, before });
    return connection(rows, limit, keysetCursor, totalCount);
  }

  /**
   * A page of the buyer's orders `filter` selects; `totalCount` counts them all (when asked for).
   * With `linesLoaders`, the page's statement also reads each order's lines and primes its lines loader.
   */
  private async page(
    filter: q.OrderListFilter,
    args: PageArgs,
    totalCount: () => Promise<number>,
    linesLoaders: Loaders | null,
  ): Promise<Connection<OrderRow>> {
    const limit = pageSize(args.first);
    const before = parseKeyset(args.after);
    if (limit === 0) return connection<OrderRow>([], limit, keysetCursor, totalCount);
    const page = await q.orderPage(this.deps.db.drizzle, { ...filter, before, limit: limit + 1, lines: linesLoaders !== null });
    for (const [orderId, lines] of page.lines ?? []) linesLoaders?.linesByOrder.prime(orderId, lines);
    return connection(page.orders, limit, keysetCursor, totalCount);
  }

  /** Internal (users, before deactivating an account): the buyer's orders still under way. */
  async pendingOrders(input: { userId?: unknown }): Promise<{ count: number }> {
    if (!isId(input?.userId)) return { count: 0 };
    return { count: await q.pendingOrderCount(this.deps.db.drizzle, input.userId) };
  }

  /**
   * Status changes and tracking events of the viewer's orders (a tracking event
   * comes with the order's status as both `previousStatus` and `status`).
   * `loadersFor(seq)`: the loaders to read event `seq` with (and resolve its fields).
   */
  orderStatusChanged(viewer: Viewer, args: { orderId?: string | null; after?: string | null }, loadersFor: (seq: number) => Loaders) {
    let after: number | undefined;
    if (args.after !== undefined && args.after !== null) {
      if (!/^\d{1,15}$/.test(args.after)) throw badInput('after must be the cursor of an event.');
      after = Number(args.after);
    }
    const orderId = args.orderId ?? null;
    if (orderId !== null && !isId(orderId)) throw badInput('No such order.');
    return liveEvents({
      bus: this.deps.bus,
      verifier: this.deps.verifier,
      viewer,
      topics: [STATUS_TOPIC, TRACKING_TOPIC],
      after,
      filter: (e: BusEvent) => orderId === null || e.payload.orderId === orderId,
      // the value is the subscriber's own (viewerRole): one subscription per audience, nothing shared across people
      map: async (e: BusEvent): Promise<StatusEvent> => {
        const id = String(e.payload.orderId);
        const row = await loadersFor(e.seq).orderById.load(id);
        const buyerId = row ? row.buyerId : e.payload.buyerId;
        const order = row ?? { __typename: 'Order' as const, id };
        const viewerRole = buyerId === viewer.id ? 'BUYER' : 'SELLER';
        const cursor = String(e.seq);
        if (e.topic === TRACKING_TOPIC) {
          // a tracking event: the order's status unchanged
          const tracking = (e.payload.tracking ?? null) as { at?: unknown } | null;
          const { status } = e.payload;
          return { cursor, order, previousStatus: status, status, at: tracking?.at ?? e.createdAt, trackingEvent: tracking, viewerRole };
        }
        return { cursor, order, previousStatus: e.payload.previousStatus ?? null, status: e.payload.status, at: e.payload.at, trackingEvent: null, viewerRole };
      },
    });
  }
}

const sum = (counts: Partial<Record<OrderStatus, number>>) => Object.values(counts).reduce((s, n) => s + n, 0);

function canSee(viewer: Viewer, row: OrderRow): boolean {
  return row.buyerId === viewer.id || row.sellerId === viewer.id;
}
