/**
 * Store suspensions by platform admins (docs/admin.md). A suspended store:
 * leaves search (db/queries/search.ts), cannot be bought from (checkout's
 * quote and the stock reservation refuse with STORE_SUSPENDED, checkout.ts),
 * cannot be added to a cart, and its owner cannot add or change products.
 * Its placed orders are the orders subgraph's and go on: shipped, refunded.
 *
 * A suspension is one conditional UPDATE of the store's row, with its
 * `admin.action` event in the same transaction. Reservations lock the rows of
 * the stores they buy from (FOR SHARE), so a checkout's stock is taken either
 * before the suspension commits, or not at all.
 */
import { adminAction, AdminReason, requireAdmin } from '../../../platform/admin.ts';
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import { isId } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';

export const STORE_SUSPENDED = 'STORE_SUSPENDED';

/** Refuses a seller's change to a suspended store (userErrors STORE_SUSPENDED). */
export function refuseSuspendedStore(store: { suspendedAt: Date | null }, field: string[] | null = null): void {
  if (store.suspendedAt) fail(STORE_SUSPENDED, 'This store is suspended by the marketplace: it cannot sell or change its products for now.', field);
}

export class ModerationService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  /** suspendStore: admins only; INVALID_STATE when it already is. */
  async suspendStore(viewer: Viewer, storeId: string, reason: string): Promise<q.StoreRow> {
    requireAdmin(viewer);
    const input = this.target(storeId, reason);
    const outcome = await this.suspend(viewer.id, input.storeId, input.reason);
    if (outcome === 'already') fail('INVALID_STATE', 'This store is already suspended.', ['storeId']);
    return outcome;
  }

  /**
   * The suspension itself (the mutation, and messaging's resolveReport through
   * the internal `suspendStore`): the store, or 'already' when it was
   * suspended before (nothing changes, nothing is recorded).
   */
  async suspend(actorId: string, storeId: string, reason: string): Promise<q.StoreRow | 'already'> {
    const now = this.deps.clock.now();
    return this.db.transaction(async (tx) => {
      const store = await q.suspendStore(tx, storeId, reason, now);
      if (!store) {
        const [existing] = await q.storesByIds(tx, [storeId]);
        if (!existing) fail('NOT_FOUND', 'Store not found.', ['storeId']);
        return 'already' as const;
      }
      await publish(tx, [adminAction({ actorId, action: 'SUSPEND_STORE', targetType: 'STORE', targetId: storeId, reason, at: now })]);
      return store;
    });
  }

  /** reinstateStore: admins only; INVALID_STATE when it is not suspended. */
  async reinstateStore(viewer: Viewer, storeId: string, reason: string): Promise<q.StoreRow> {
    requireAdmin(viewer);
    const input = this.target(storeId, reason);
    const now = this.deps.clock.now();
    return this.db.transaction(async (tx) => {
      const store = await q.reinstateStore(tx, input.storeId);
      if (!store) {
        const [existing] = await q.storesByIds(tx, [input.storeId]);
        if (!existing) fail('NOT_FOUND', 'Store not found.', ['storeId']);
        fail('INVALID_STATE', 'This store is not suspended.', ['storeId']);
      }
      await publish(tx, [
        adminAction({ actorId: viewer.id, action: 'REINSTATE_STORE', targetType: 'STORE', targetId: input.storeId, reason: input.reason, at: now }),
      ]);
      return store;
    });
  }

  private target(storeId: string, reason: string): { storeId: string; reason: string } {
    if (!isId(storeId)) fail('NOT_FOUND', 'Store not found.', ['storeId']);
    return { storeId: storeId.toLowerCase(), reason: validInput(AdminReason, reason, { field: ['reason'] }) };
  }
}
