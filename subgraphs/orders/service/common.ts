/** What the orders services share: the status-change record (history + event) and small checks. */
import type { Tx } from '../../../platform/db.ts';
import { publish } from '../../../platform/events/bus.ts';
import * as q from '../db/queries/index.ts';
import type { OrderRow } from '../db/queries/index.ts';
import { statusChangedEvents } from '../events.ts';

/**
 * Records that `rows` just changed status (history entries and one
 * `order.status_changed` event each). The event is published last, as the
 * outbox requires. `notice`: a sentence for the buyer's inbox instead of the
 * status alone (e.g. what a dispute's settlement refunded).
 */
export async function recordStatusChanges(tx: Tx, rows: OrderRow[], reason: string | null, at: Date, notice?: string): Promise<void> {
  if (!rows.length) return;
  await q.insertHistory(
    tx,
    rows.map((r) => ({ orderId: r.id, status: r.status, at, reason })),
  );
  await publish(tx, statusChangedEvents(rows, reason, at, notice));
}

/**
 * An event about the order without a change of status (the seller replied to the
 * feedback): `order.status_changed` with `previousStatus` = `status` and a notice for
 * the buyer's inbox; no history entry.
 */
export async function publishNotice(tx: Tx, row: OrderRow, reason: string, at: Date, notice: string): Promise<void> {
  await publish(tx, statusChangedEvents([{ ...row, previousStatus: row.status }], reason, at, notice));
}

/** The result of an internal call that answers `{ ok: false, error }` on a business failure. */
export interface InternalFailure {
  ok: false;
  error: { code: string; message: string; field?: string | string[]; variantId?: string };
}
