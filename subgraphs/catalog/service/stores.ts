/**
 * Stores: opened by a signed-in person (who becomes the owner), names unique
 * by how they look (store-names.ts).
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import { validInput } from '../../../platform/validate.ts';
import { OpenStoreInput as OpenStoreSchema } from './inputs.ts';
import { storeNameKey } from './store-names.ts';

export interface OpenStoreInput {
  name: string;
  description?: string | null;
}

export class StoreService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  async openStore(viewer: Viewer, input: OpenStoreInput): Promise<q.StoreRow> {
    const { name, description } = validInput(OpenStoreSchema, input, { field: ['input'] });
    const [store] = await q.insertStore(this.db, { ownerId: viewer.id, ...name, description: description ?? null, createdAt: this.deps.clock.now() });
    if (!store) fail('STORE_NAME_TAKEN', 'A store with this name (or one that looks the same) already exists.', ['input', 'name']);
    return store;
  }

  /**
   * At start, before serving: gives every store made before name keys existed
   * its key, oldest first. Two such stores that look alike both stay; the
   * younger gets its key suffixed with an invisible separator and its id (a
   * key no name can produce, as keys never hold invisible characters), and the
   * older one's key keeps new look-alikes out. Safe with several instances
   * starting at once (a key is only ever set where it is missing).
   */
  async backfillStoreNameKeys(): Promise<void> {
    let filled = 0;
    for (;;) {
      const rows = await q.storesWithoutNameKey(this.db, 500);
      if (!rows.length) break;
      for (const row of rows) {
        const key = storeNameKey(row.name);
        try {
          await q.setStoreNameKey(this.db, row.id, key);
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          this.deps.log.warn("store name looks like an older store's; both kept", { storeId: row.id });
          await q.setStoreNameKey(this.db, row.id, `${key}\u200b${row.id}`);
        }
        filled++;
      }
    }
    if (filled) this.deps.log.info('store name keys filled in', { stores: filled });
  }

  /** The stores a person owns, oldest first. */
  storesOf(userId: string): Promise<q.StoreRow[]> {
    return q.storesByOwner(this.db, userId);
  }
}

export function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return true;
  }
  return false;
}
