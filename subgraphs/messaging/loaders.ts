/** DataLoaders of the messaging subgraph, new for every request. */
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { byIds, groupBy } from '../../platform/collections.ts';
import type { Database } from '../../platform/db.ts';
import type { InternalClient } from '../../platform/internal.ts';
import type { Logger } from '../../platform/log.ts';
import { conversationsAboutOrders, conversationsByIds, messagePages, messagesByIds, type ConversationRow, type MessageRow } from './db/queries.ts';
import { storeConversationCounts, storeConversationPages } from './db/queries-stores.ts';

export interface StoreInfo {
  id: string;
  ownerId: string;
  name: string;
}

export interface PageKey {
  conversationId: string;
  /** Rows to fetch (page size + 1 to know whether there is more). */
  limit: number;
  beforeSeq: number | null;
}

/** A page of a store's conversations (Store.conversations). */
export interface StorePageKey {
  storeId: string;
  archived: boolean | null;
  /** Rows to fetch (page size + 1 to know whether there is more). */
  limit: number;
  after: { seq: number; id: string } | null;
}

const storePageOf = (k: StorePageKey) => JSON.stringify([k.archived, k.limit, k.after]);

const byId = <T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] => byIds(ids, rows, (r) => r.id);

export function unavailable(what: string): GraphQLError {
  return new GraphQLError(`${what} is unavailable right now.`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
}

/** Stores (id, owner, name) from the catalog, batched; unknown ids are null. */
export async function fetchStores(internal: InternalClient, ids: readonly string[], log?: Logger): Promise<(StoreInfo | null)[]> {
  try {
    const res = await internal.call<{ stores?: StoreInfo[] }>('catalog', 'storesByIds', { ids });
    return byId(ids, res.stores ?? []);
  } catch (err) {
    log?.warn('catalog storesByIds failed', { err });
    throw unavailable('The catalog');
  }
}

/**
 * `positions`: where events of this subgraph's outbox are on the event bus
 * (EventBus.positions), for Message.cursor.
 */
export function createLoaders(db: Database, internal: InternalClient, positions: (seqs: number[]) => Promise<number[]>, log?: Logger) {
  const ex = db.drizzle;
  return {
    conversation: new DataLoader<string, ConversationRow | null>(async (ids) => byId(ids, await conversationsByIds(ex, [...ids]))),
    message: new DataLoader<string, MessageRow | null>(async (ids) => byId(ids, await messagesByIds(ex, [...ids]))),
    /** A message's cursor: the position on the bus of its message.created event, by that event's number in the outbox. */
    position: new DataLoader<number, number>((seqs) => positions([...seqs])),
    /** A page of each conversation's messages, newest first: one statement per distinct (limit, before). */
    messagePage: new DataLoader<PageKey, MessageRow[], string>(
      async (keys) => {
        const found = new Map<string, MessageRow[]>();
        for (const [g, ks] of groupBy(keys, (k) => `${k.limit}:${k.beforeSeq}`)) {
          const rows = await messagePages(ex, [...new Set(ks.map((k) => k.conversationId))], ks[0].limit, ks[0].beforeSeq);
          for (const [conversationId, page] of groupBy(rows, (r) => r.conversationId)) found.set(`${conversationId}:${g}`, page);
        }
        return keys.map((k) => found.get(`${k.conversationId}:${k.limit}:${k.beforeSeq}`) ?? []);
      },
      { cacheKeyFn: (k) => `${k.conversationId}:${k.limit}:${k.beforeSeq}` },
    ),
    /** Pages of several stores' conversations (a seller's stores with their inboxes): one statement per distinct (archived, limit, after). */
    storePage: new DataLoader<StorePageKey, ConversationRow[], string>(
      async (keys) => {
        const found = new Map<string, ConversationRow[]>();
        for (const [page, ks] of groupBy(keys, storePageOf)) {
          const { archived, limit, after } = ks[0];
          const rows = await storeConversationPages(ex, [...new Set(ks.map((k) => k.storeId))], { archived, limit, after });
          for (const [storeId, own] of groupBy(rows, (r) => r.storeId)) found.set(JSON.stringify([storeId, page]), own);
        }
        return keys.map((k) => found.get(JSON.stringify([k.storeId, storePageOf(k)])) ?? []);
      },
      { cacheKeyFn: (k) => JSON.stringify([k.storeId, storePageOf(k)]) },
    ),
    /** How many conversations stores have, archived or not (null: all), one statement per distinct filter. */
    storeCount: new DataLoader<{ storeId: string; archived: boolean | null }, number, string>(
      async (keys) => {
        const counts = new Map<string, number>();
        for (const [archived, ks] of groupBy(keys, (k) => k.archived)) {
          const n = await storeConversationCounts(ex, [...new Set(ks.map((k) => k.storeId))], { archived });
          for (const k of ks) counts.set(JSON.stringify([k.storeId, archived]), n.get(k.storeId) ?? 0);
        }
        return keys.map((k) => counts.get(JSON.stringify([k.storeId, k.archived])) ?? 0);
      },
      { cacheKeyFn: (k) => JSON.stringify([k.storeId, k.archived]) },
    ),
    /** The SELLER conversation with a message about each order. */
    orderConversation: new DataLoader<string, ConversationRow | null>(async (ids) =>
      byIds(ids, await conversationsAboutOrders(ex, [...ids]), (r) => r.aboutOrderId),
    ),
    store: new DataLoader<string, StoreInfo | null>((ids) => fetchStores(internal, ids, log)),
    /** Buyers' display names from the users subgraph. */
    fullName: new DataLoader<string, string>(async (ids) => {
      try {
        const res = await internal.call<{ users?: { id: string; fullName: string }[] }>('users', 'profiles', { ids });
        const m = new Map((res.users ?? []).map((u) => [u.id, u.fullName]));
        return ids.map((id) => m.get(id) ?? 'Deleted user');
      } catch (err) {
        log?.warn('users profiles failed', { err });
        return ids.map(() => unavailable('The buyer name'));
      }
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
