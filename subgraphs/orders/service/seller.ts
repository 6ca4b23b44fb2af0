/**
 * What a seller reads of their store's orders: the Remainders panel (counts
 * per status, as the buyer's) and the dashboard (orders by status, revenue,
 * rating, followers). Owner only. One grouped statement per request batch
 * (loaders.ts `storeStatusTotals`) serves both and the store list's totals.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { forbidden } from '../../../platform/errors.ts';
import { isId, money } from '../../../platform/scalars.ts';
import { STATUSES, type OrderStatus } from '../db/queries/index.ts';
import type { Loaders } from '../loaders.ts';

/**
 * Revenue counts what buyers paid and kept paid: orders paid and not cancelled or
 * refunded (a dispute may still refund, so DISPUTED counts until it does).
 */
export const REVENUE_STATUSES: readonly OrderStatus[] = ['SHIPMENT_REQUIRED', 'UNCONFIRMED_DELIVERY', 'FEEDBACK_REQUIRED', 'COMPLETED', 'DISPUTED'];

/** FORBIDDEN unless the viewer owns the store (its owner as orders or, failing that, catalog knows it). */
export async function assertStoreOwner(viewer: Viewer, storeId: string, loaders: Loaders, what: string): Promise<void> {
  const owner = isId(storeId) ? await loaders.storeOwner.load(storeId) : null;
  if (owner !== viewer.id) throw forbidden(`Only the store's owner can see its ${what}.`);
}

export class SellerReads {
  /** The store's Remainders panel: the buyer's counts, for the store's orders. */
  async orderCounts(viewer: Viewer, storeId: string, loaders: Loaders) {
    await assertStoreOwner(viewer, storeId, loaders, 'orders');
    const t = await loaders.storeStatusTotals.load(storeId);
    const n = (s: OrderStatus) => t[s]?.count ?? 0;
    return {
      paymentRequired: n('PAYMENT_REQUIRED'),
      shipmentRequired: n('SHIPMENT_REQUIRED'),
      unconfirmedDelivery: n('UNCONFIRMED_DELIVERY'),
      feedbackRequired: n('FEEDBACK_REQUIRED'),
      disputed: n('DISPUTED'),
      all: STATUSES.reduce((sum, s) => sum + n(s), 0),
    };
  }

  /** The dashboard. `followerCount` comes from catalog (the field's @requires). */
  async stats(viewer: Viewer, store: { id: string; followerCount?: number | null }, loaders: Loaders) {
    await assertStoreOwner(viewer, store.id, loaders, 'statistics');
    const t = await loaders.storeStatusTotals.load(store.id);
    return {
      ordersByStatus: STATUSES.map((status) => ({ status, count: t[status]?.count ?? 0 })),
      revenue: money(REVENUE_STATUSES.reduce((sum, s) => sum + (t[s]?.total ?? 0), 0)),
      averageRating: await loaders.storeRating.load(store.id),
      followers: store.followerCount ?? 0,
    };
  }
}
