/**
 * Tracking of shipped orders (docs/orders.md, "Shipping and tracking"): the
 * seller of an order, or an admin, adds the carrier's events to its timeline
 * (Order.shipment.events).
 *
 * - While the order is UNCONFIRMED_DELIVERY or DISPUTED; INVALID_STATE otherwise.
 * - Each event is written with its `order.tracking_event` (to the buyer and the
 *   seller: the orderStatusChanged subscription and the buyer's inbox) in one
 *   transaction, which first takes the order's row with one conditional UPDATE
 *   (so it serializes with the order's transitions).
 * - DELIVERED, once per order: it sets `deliveredAt` and, while the order
 *   awaits confirmation, restarts the confirmation window: the delivery
 *   deadline becomes the event's time + ORDER_CONFIRMATION_WINDOW_S (the sweeper
 *   confirms receipt when it passes, as after shipOrder's window). A second
 *   DELIVERED answers INVALID_STATE; of two at once, exactly one is recorded.
 */
import { z } from 'zod';
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import { isId } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import type { OrderRow, OrderStatus } from '../db/queries/index.ts';
import { trackingEventAdded } from '../events.ts';

export const TRACKING_STATUSES = ['IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'EXCEPTION'] as const;

/** The statuses in which a shipment is under way (or contested) and takes tracking events. */
const TRACKABLE: OrderStatus[] = ['UNCONFIRMED_DELIVERY', 'DISPUTED'];

/** How far in the future an event's time may be (clocks differ a little). */
const SKEW_MS = 5 * 60_000;

const optionalText = (max: number, name: string) =>
  z
    .string()
    .trim()
    .max(max, `${name} is at most ${max} characters.`)
    .nullish()
    .transform((v) => (v ? v : null));

const TrackingEventInput = z.object({
  status: z.enum(TRACKING_STATUSES, { error: 'The status is IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED or EXCEPTION.' }),
  at: z.date().nullish(),
  location: optionalText(200, 'The location'),
  description: optionalText(500, 'The description'),
});

export interface TrackingEventInput {
  status: string;
  at?: Date | null;
  location?: string | null;
  description?: string | null;
}

export class TrackingService {
  constructor(private readonly deps: SubgraphDeps) {}

  async addTrackingEvent(viewer: Viewer, orderId: string, input: TrackingEventInput): Promise<OrderRow> {
    const order = await this.sellerOrAdmin(viewer, orderId);
    const v = validInput(TrackingEventInput, input, { field: ['input'] });
    const now = this.deps.clock.now();
    const at = v.at ?? now;
    if (at.getTime() > now.getTime() + SKEW_MS) fail('INVALID_INPUT', 'The event cannot be in the future.', ['input', 'at']);
    if (order.shippedAt && at.getTime() < order.shippedAt.getTime())
      fail('INVALID_INPUT', 'The event cannot be before the order was shipped.', ['input', 'at']);
    const delivered = v.status === 'DELIVERED' ? { at, deadline: new Date(at.getTime() + this.deps.config.orderClock.confirmationWindowS * 1000) } : null;
    return this.deps.db.drizzle.transaction(async (tx) => {
      const row = await q.takeForTracking(tx, order.id, TRACKABLE, now, delivered);
      if (!row) {
        const [current] = await q.ordersByIds(tx, [order.id]);
        if (delivered && current?.deliveredAt && TRACKABLE.includes(current.status)) {
          fail('INVALID_STATE', 'The order is already marked delivered.', ['input', 'status']);
        }
        fail('INVALID_STATE', `The order is ${current?.status ?? 'gone'}; only a shipped order takes tracking events.`, ['orderId']);
      }
      const event = { orderId: row.id, status: v.status, at, location: v.location, description: v.description, createdAt: now };
      await q.insertTrackingEvent(tx, event);
      await publish(tx, [trackingEventAdded(row, event, row.carrier)]);
      return row;
    });
  }

  /** The order, when the viewer is its seller or an admin; FORBIDDEN otherwise (unknown ids too: nothing revealed). */
  private async sellerOrAdmin(viewer: Viewer, orderId: string): Promise<OrderRow> {
    if (!isId(orderId)) throw forbidden('You cannot act on this order.');
    const [order] = await q.ordersByIds(this.deps.db.drizzle, [orderId]);
    if (!order || (order.sellerId !== viewer.id && !viewer.roles.includes('admin'))) throw forbidden('You cannot act on this order.');
    return order;
  }
}
