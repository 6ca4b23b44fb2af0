/**
 * The orders subgraph's rules, authorization and transactions. The work is
 * split by concern under service/: checkout (the saga), payments, lifecycle
 * (transitions, the deadline sweeper, give-backs). This class wires them and
 * holds the reads.
 */
import type { Viewer } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import type { BusEvent } from '../../platform/events/bus.ts';
import { liveEvents, oncePerEvent } from '../../platform/subscriptions/live.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { decodeCursor, encodeCursor, isId, pageSize } from '../../platform/scalars.ts';
import * as q from './db/queries.ts';
import type { OrderRow, OrderStatus } from './db/queries.ts';
import type { Loaders } from './loaders.ts';
import { TestPaymentProvider, type PaymentProvider } from './payments/provider.ts';
import { CheckoutService } from './service/checkout.ts';
import { badInput, requireViewer, STATUS_TOPIC } from './service/common.ts';
import { LifecycleService } from './service/lifecycle.ts';
import { PaymentService } from './service/payments.ts';

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Resolved lazily: counted only when a client asks for it. */
  totalCount: () => Promise<number>;
}

type Keyset = { createdAt: string; id: string };

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

export class OrdersService {
  readonly provider: PaymentProvider;
  readonly checkouts: CheckoutService;
  readonly payments: PaymentService;
  readonly lifecycle: LifecycleService;
  /**
   * Each status event's value, one object for every subscriber it goes to
   * (the buyer's and the seller's sessions), so their executions can be
   * shared (platform/subscriptions/fanout.ts).
   */
  private readonly statusEvent = oncePerEvent<Loaders, StatusEvent>();

  constructor(
    readonly deps: SubgraphDeps,
    provider: PaymentProvider = new TestPaymentProvider(deps.db.drizzle),
  ) {
    this.provider = provider;
    this.checkouts = new CheckoutService(deps);
    this.lifecycle = new LifecycleService(deps, provider);
    this.payments = new PaymentService(deps, provider, () => this.lifecycle.kickCompensation());
  }

  // ───────────────────────────── background work ─────────────────────────────

  start(): void {
    this.deps.bus.consume('orders.user-deactivated', ['user.deactivated'], this.deps.db, async (tx, event) => {
      const userId = event.payload.userId;
      if (isId(userId)) await q.anonymizeBuyer(tx, userId);
    });
    this.lifecycle.start();
    this.checkouts.start();
    this.payments.start();
  }

  async stop(): Promise<void> {
    await this.checkouts.stop();
    await Promise.all([this.lifecycle.stop(), this.payments.stop()]);
  }

  // ───────────────────────────── reads ─────────────────────────────

  /** An order by id for its buyer or seller; null for anyone else (and for unknown ids). */
  async order(viewer: Viewer | null, id: string, loaders: Loaders): Promise<OrderRow | null> {
    const v = requireViewer(viewer);
    if (!isId(id)) return null;
    const row = await loaders.orderById.load(id);
    return row && canSee(v, row) ? row : null;
  }

  /** `__resolveReference`: the same rule, without demanding a viewer. */
  async orderReference(viewer: Viewer | null, id: unknown, loaders: Loaders): Promise<OrderRow | null> {
    if (!viewer || !isId(id)) return null;
    const row = await loaders.orderById.load(id);
    return row && canSee(viewer, row) ? row : null;
  }

  async userOrders(
    viewer: Viewer | null,
    userId: string,
    args: { status?: OrderStatus | null; first?: number | null; after?: string | null },
    loaders: Loaders,
  ): Promise<Connection<OrderRow>> {
    const v = requireViewer(viewer);
    if (v.id !== userId) throw forbidden('You can only see your own orders.');
    const status = args.status ?? null;
    // the list is the buyer's orders, optionally of one status (the cursor does not narrow the
    // total): its total is a sum of the per status counts that orderCounts reads too
    const totalCount = async () => {
      const counts = await loaders.buyerStatusCounts.load(userId);
      return status ? (counts[status] ?? 0) : sum(counts);
    };
    return this.page({ buyerId: userId, status }, args, totalCount);
  }

  async userOrderCounts(viewer: Viewer | null, userId: string, loaders: Loaders) {
    const v = requireViewer(viewer);
    if (v.id !== userId) throw forbidden('You can only see your own orders.');
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

  async storeOrders(
    viewer: Viewer | null,
    storeId: string,
    args: { status?: OrderStatus | null; first?: number | null; after?: string | null },
    loaders: Loaders,
  ): Promise<Connection<OrderRow>> {
    const v = requireViewer(viewer);
    const owner = isId(storeId) ? await loaders.storeOwner.load(storeId) : null;
    if (owner !== v.id) throw forbidden("Only the store's owner can see its orders.");
    const filter = { storeId, status: args.status ?? null };
    return this.page(filter, args, () => q.orderCount(this.deps.db.drizzle, filter));
  }

  /** A page of the orders `filter` selects; `totalCount` counts them all (when asked for). */
  private async page(
    filter: q.OrderListFilter,
    args: { first?: number | null; after?: string | null },
    totalCount: () => Promise<number>,
  ): Promise<Connection<OrderRow>> {
    const limit = pageSize(args.first);
    const before = parseKeyset(args.after);
    const rows = limit === 0 ? [] : await q.orderPage(this.deps.db.drizzle, { ...filter, before, limit: limit + 1 });
    const nodes = rows.slice(0, limit);
    const edges = nodes.map((node) => ({ cursor: keysetCursor(node), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null }, totalCount };
  }

  async pendingOrders(input: { userId?: unknown }): Promise<{ count: number }> {
    if (!isId(input?.userId)) return { count: 0 };
    return { count: await q.pendingOrderCount(this.deps.db.drizzle, input.userId) };
  }

  // ───────────────────────────── subscription ─────────────────────────────

  /** `loadersFor(seq)`: the loaders to read event `seq` with (and resolve its fields). */
  orderStatusChanged(viewer: Viewer | null, args: { orderId?: string | null; after?: string | null }, loadersFor: (seq: number) => Loaders) {
    const v = requireViewer(viewer);
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
      viewer: v,
      topics: [STATUS_TOPIC],
      after,
      filter: (e: BusEvent) => orderId === null || e.payload.orderId === orderId,
      map: (e: BusEvent) => {
        const loaders = loadersFor(e.seq);
        return this.statusEvent(loaders, async () => {
          const id = String(e.payload.orderId);
          const order = (await loaders.orderById.load(id)) ?? { __typename: 'Order' as const, id };
          return { cursor: String(e.seq), order, previousStatus: e.payload.previousStatus ?? null, status: e.payload.status, at: e.payload.at };
        });
      },
    });
  }
}

interface StatusEvent {
  cursor: string;
  order: OrderRow | { __typename: 'Order'; id: string };
  previousStatus: unknown;
  status: unknown;
  at: unknown;
}

const sum = (counts: Partial<Record<OrderStatus, number>>) => Object.values(counts).reduce((s, n) => s + n, 0);

function canSee(viewer: Viewer, row: OrderRow): boolean {
  return row.buyerId === viewer.id || row.sellerId === viewer.id;
}
