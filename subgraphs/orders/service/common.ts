/** What the orders services share: the status-change record (history + event) and small checks. */
import { GraphQLError } from 'graphql';
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import { unauthenticated } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import * as q from '../db/queries.ts';
import type { OrderRow } from '../db/queries.ts';

export const STATUS_TOPIC = 'order.status_changed';

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/**
 * Records that `rows` just changed status (history entries and one
 * `order.status_changed` event each). The event is published last, as the
 * outbox requires.
 */
export async function recordStatusChanges(tx: Tx, rows: OrderRow[], reason: string | null, at: Date): Promise<void> {
  if (!rows.length) return;
  await q.insertHistory(
    tx,
    rows.map((r) => ({ orderId: r.id, status: r.status, at, reason })),
  );
  await publish(
    tx,
    rows.map((r) => ({
      topic: STATUS_TOPIC,
      payload: {
        orderId: r.id,
        number: r.number,
        buyerId: r.buyerId,
        storeId: r.storeId,
        sellerId: r.sellerId,
        previousStatus: r.previousStatus,
        status: r.status,
        at: at.toISOString(),
        reason,
      },
      audience: [...new Set([r.buyerId, r.sellerId])],
    })),
  );
}

/** The result of an internal call that answers `{ ok: false, error }` on a business failure. */
export interface InternalFailure {
  ok: false;
  error: { code: string; message: string; field?: string | string[]; variantId?: string };
}

export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
