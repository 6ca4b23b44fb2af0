/**
 * Stores' inboxes (Store.conversations) for several stores at once: a page of
 * each store's SELLER conversations, and their counts, one statement each.
 */
import { and, count, desc, eq, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db.ts';
import type { ConversationRow } from './queries.ts';
import { conversations } from './schema.ts';

export interface StoreInboxFilter {
  /** The seller's archive flag; null: archived or not. */
  archived: boolean | null;
}

function storesWhere(storeIds: string[], f: StoreInboxFilter): SQL | undefined {
  return and(
    inArray(conversations.storeId, storeIds),
    eq(conversations.category, 'SELLER'),
    f.archived === null ? undefined : eq(conversations.sellerArchived, f.archived),
  );
}

/** At most `limit` conversations of each store, latest message first, strictly after the keyset `after`. */
export async function storeConversationPages(
  ex: Executor,
  storeIds: string[],
  f: StoreInboxFilter & { after: { seq: number; id: string } | null; limit: number },
): Promise<ConversationRow[]> {
  if (!storeIds.length) return [];
  // a row-value keyset and a per-store window (row_number over partition), which the builder's operators do not express
  const after = f.after ? sql`(${conversations.lastSeq}, ${conversations.id}) < (${f.after.seq}, ${f.after.id}::uuid)` : undefined;
  const rank = sql<number>`row_number() over (partition by ${conversations.storeId} order by ${conversations.lastSeq} desc, ${conversations.id} desc)`;
  const ranked = ex
    .select({ id: conversations.id, rank: rank.as('rank') })
    .from(conversations)
    .where(and(storesWhere(storeIds, f), after))
    .as('ranked');
  return ex
    .select()
    .from(conversations)
    .where(inArray(conversations.id, ex.select({ id: ranked.id }).from(ranked).where(lte(ranked.rank, f.limit))))
    .orderBy(desc(conversations.lastSeq), desc(conversations.id));
}

/** How many conversations each store has (stores without any are absent). */
export async function storeConversationCounts(ex: Executor, storeIds: string[], f: StoreInboxFilter): Promise<Map<string, number>> {
  if (!storeIds.length) return new Map();
  const rows = await ex
    .select({ storeId: conversations.storeId, n: count() })
    .from(conversations)
    .where(storesWhere(storeIds, f))
    .groupBy(conversations.storeId);
  return new Map(rows.map((r) => [r.storeId!, Number(r.n)]));
}
