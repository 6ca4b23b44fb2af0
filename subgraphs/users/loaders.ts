/** DataLoaders of the users subgraph, new for every request. */
import DataLoader from 'dataloader';
import { byIds, groupBy } from '../../platform/collections.ts';
import type { Database } from '../../platform/db.ts';
import * as q from './db/queries.ts';
import type { AddressRow, UserRow } from './db/schema.ts';

export function createLoaders(db: Database) {
  return {
    userById: new DataLoader<string, UserRow | null>(async (ids) => byIds(ids, await q.usersByIds(db.drizzle, ids), (r) => r.id)),
    addressesByUser: new DataLoader<string, AddressRow[]>(async (userIds) => {
      const byUser = groupBy(await q.addressesByUserIds(db.drizzle, userIds), (r) => r.userId);
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
