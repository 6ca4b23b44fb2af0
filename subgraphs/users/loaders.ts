/** DataLoaders of the users subgraph, new for every request. */
import DataLoader from 'dataloader';
import type { Database } from '../../platform/db.ts';
import * as q from './db/queries.ts';
import type { AddressRow, UserRow } from './db/schema.ts';

export function createLoaders(db: Database) {
  return {
    userById: new DataLoader<string, UserRow | null>(async (ids) => {
      const rows = await q.usersByIds(db.drizzle, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    addressesByUser: new DataLoader<string, AddressRow[]>(async (userIds) => {
      const rows = await q.addressesByUserIds(db.drizzle, userIds);
      return userIds.map((id) => rows.filter((r) => r.userId === id));
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
