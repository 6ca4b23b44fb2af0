/**
 * A seller changes their store: name (the same rules as opening one, including
 * look-alike names), description, logo. Owner only: anyone else is refused
 * before the input is looked at.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import { UpdateStoreInput as UpdateStoreSchema } from './inputs.ts';
import type { Loaders } from '../loaders.ts';
import type { SearchService } from './search.ts';
import { refuseSuspendedStore } from './moderation.ts';
import { isUniqueViolation } from './stores.ts';
import { existingId } from './validate.ts';

export interface UpdateStoreInput {
  name?: string | null;
  description?: string | null;
  logoUrl?: string | null;
}

/** The store `storeId` if the viewer owns it: NOT_FOUND (userErrors) or FORBIDDEN otherwise. */
export async function ownStore(deps: SubgraphDeps, viewer: Viewer, storeId: unknown, field: string[]): Promise<q.StoreRow> {
  const id = existingId(storeId, field, 'Store');
  const [store] = await q.storesByIds(deps.db.drizzle, [id]);
  if (!store) fail('NOT_FOUND', 'Store not found.', field);
  if (store.ownerId !== viewer.id) throw forbidden("Only the store's owner can do this.");
  return store;
}

export class StoreEditService {
  constructor(
    private readonly deps: SubgraphDeps,
    private readonly search: SearchService,
  ) {}

  /**
   * Omitted fields stay; a null or blank description or logo removes it. The new name's
   * key is unique like an opened store's (the unique index decides, so of two stores
   * renamed to look-alike names at once one wins); renaming to a name that looks like
   * the store's own is allowed.
   */
  async updateStore(viewer: Viewer, storeId: string, input: UpdateStoreInput): Promise<q.StoreRow> {
    const store = await ownStore(this.deps, viewer, storeId, ['storeId']);
    refuseSuspendedStore(store, ['storeId']);
    const given = validInput(UpdateStoreSchema, input, { field: ['input'] });
    const set: Parameters<typeof q.updateStoreRow>[2] = {};
    if (given.name) Object.assign(set, given.name);
    if (given.description !== undefined) set.description = given.description;
    if (given.logoUrl !== undefined) set.logoUrl = given.logoUrl;
    if (!Object.keys(set).length) return store;
    try {
      const [updated] = await q.updateStoreRow(this.deps.db.drizzle, store.id, set);
      return updated;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return fail('STORE_NAME_TAKEN', 'A store with this name (or one that looks the same) already exists.', ['input', 'name']);
    }
  }

  /** The owner's list of archived products (FORBIDDEN for anyone else). */
  archivedProducts(viewer: Viewer, loaders: Loaders, store: q.StoreRow, first: number | null | undefined, after: string | null | undefined) {
    if (store.ownerId !== viewer.id) throw forbidden("Only the store's owner can see its archived products.");
    return this.search.storeProducts(loaders, store.id, first, after, true);
  }
}
