/**
 * Every SQL statement of the messaging subgraph: drizzle's query builder with
 * inferred row types; raw `sql` only where the builder cannot say it (each
 * place says why).
 */
import { and, count, desc, eq, getTableColumns, inArray, lt, not, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db.ts';
import { prepared } from '../../../platform/prepared.ts';
import { conversations, deactivatedUsers, knownOrders, messages, reports, sendRates } from './schema.ts';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type KnownOrder = typeof knownOrders.$inferSelect;
export type Side = 'BUYER' | 'SELLER';
export type Category = 'SELLER' | 'ORDER_UPDATES' | 'PROMOTIONS';

export interface AttachmentValue {
  url: string;
  contentType: string;
}

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v).replace(' ', 'T').replace(/\+00$/, 'Z')));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toMessage(r: Record<string, unknown>): MessageRow {
  return {
    id: String(r.id),
    conversationId: String(r.conversation_id),
    senderRole: String(r.sender_role),
    senderId: (r.sender_id as string | null) ?? null,
    body: String(r.body),
    attachments: typeof r.attachments === 'string' ? JSON.parse(r.attachments) : r.attachments,
    orderId: (r.order_id as string | null) ?? null,
    seq: numOrNull(r.seq),
    sourceEventSeq: numOrNull(r.source_event_seq),
    recipientId: (r.recipient_id as string | null) ?? null,
    readByBuyer: Boolean(r.read_by_buyer),
    readBySeller: Boolean(r.read_by_seller),
    createdAt: date(r.created_at),
  };
}

const uuidArray = (ids: string[]) =>
  sql`array[${sql.join(
    ids.map((i) => sql`${i}`),
    sql`, `,
  )}]::uuid[]`;

// ───────────── reads ─────────────

export async function conversationsByIds(ex: Executor, ids: string[]): Promise<ConversationRow[]> {
  if (!ids.length) return [];
  return ex.select().from(conversations).where(inArray(conversations.id, ids));
}

export async function messagesByIds(ex: Executor, ids: string[]): Promise<MessageRow[]> {
  if (!ids.length) return [];
  return ex.select().from(messages).where(inArray(messages.id, ids));
}

/**
 * Up to `limit` messages of each conversation, newest first, older than
 * `beforeSeq`. One statement: a lateral join over unnest(ids), which the
 * builder cannot say (rows mapped by hand).
 */
export async function messagePages(ex: Executor, conversationIds: string[], limit: number, beforeSeq: number | null): Promise<MessageRow[]> {
  if (!conversationIds.length) return [];
  const rows = await queryRows(
    ex,
    sql`select m.* from unnest(${uuidArray(conversationIds)}) as c(id)
        cross join lateral (
          select * from messaging.messages
          where conversation_id = c.id ${beforeSeq === null ? sql`` : sql`and seq < ${beforeSeq}`}
          order by seq desc limit ${limit}
        ) m`,
  );
  return rows.map(toMessage);
}

export interface ConversationFilter {
  userId?: string;
  category?: Category | null;
  archived?: boolean | null;
  after?: { seq: number; id: string } | null;
  limit: number;
}

/**
 * A person's conversations (as buyer, and as seller of the stores they own;
 * a store's are in queries-stores.ts). The side's archive flag is the person's.
 */
function conversationWhere(f: ConversationFilter): SQL | undefined {
  const conds: (SQL | undefined)[] = [];
  const archived = f.archived !== null && f.archived !== undefined;
  if (f.userId) {
    conds.push(or(eq(conversations.buyerId, f.userId), eq(conversations.sellerId, f.userId)));
    // the archive flag of the person's side: a CASE the builder has no word for
    if (archived)
      conds.push(
        sql`(case when ${conversations.buyerId} = ${f.userId} then ${conversations.buyerArchived} else ${conversations.sellerArchived} end) = ${f.archived}`,
      );
  }
  if (f.category) conds.push(eq(conversations.category, f.category));
  return and(...conds);
}

export async function listConversations(ex: Executor, f: ConversationFilter): Promise<ConversationRow[]> {
  // keyset: a row comparison (last_seq, id) < (...), which the builder has no word for
  const after = f.after ? sql`(${conversations.lastSeq}, ${conversations.id}) < (${f.after.seq}, ${f.after.id}::uuid)` : undefined;
  return ex
    .select()
    .from(conversations)
    .where(and(conversationWhere(f), after))
    .orderBy(desc(conversations.lastSeq), desc(conversations.id))
    .limit(f.limit);
}

export async function countConversations(ex: Executor, f: ConversationFilter): Promise<number> {
  const [r] = await ex.select({ n: count() }).from(conversations).where(conversationWhere(f));
  return Number(r?.n ?? 0);
}

/** Unread messages of a person: as buyer, plus as seller of their stores. Archived included. */
export async function unreadTotal(ex: Executor, userId: string): Promise<number> {
  const [r] = await unreadTotalQuery(ex, { userId });
  return Number(r?.n ?? 0);
}
// prepared (platform/prepared.ts): every dashboard asks; a sum of CASEs, which the builder has no word for
const unreadTotalQuery = prepared('messaging_unread_total', (ex) => {
  const userId = sql.placeholder('userId');
  const unread = sql<string | number | null>`coalesce(sum(case when ${conversations.buyerId} = ${userId} then ${conversations.buyerUnread} else 0 end
    + case when ${conversations.sellerId} = ${userId} then ${conversations.sellerUnread} else 0 end), 0)`;
  return ex
    .select({ n: unread })
    .from(conversations)
    .where(or(eq(conversations.buyerId, userId), eq(conversations.sellerId, userId)));
});

/** The SELLER conversation that has a message about each order (the latest such message's). */
export async function conversationsAboutOrders(ex: Executor, orderIds: string[]): Promise<(ConversationRow & { aboutOrderId: string })[]> {
  if (!orderIds.length) return [];
  const rows = await ex
    .selectDistinctOn([messages.orderId], { aboutOrderId: messages.orderId, conversation: getTableColumns(conversations) })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(inArray(messages.orderId, orderIds), eq(conversations.category, 'SELLER')))
    .orderBy(messages.orderId, desc(messages.seq));
  return rows.map((r) => ({ ...r.conversation, aboutOrderId: r.aboutOrderId! }));
}

export async function findKnownOrder(ex: Executor, orderId: string): Promise<KnownOrder | undefined> {
  const [r] = await ex.select().from(knownOrders).where(eq(knownOrders.orderId, orderId));
  return r;
}

export async function reportedBy(ex: Executor, conversationId: string, side: Side): Promise<boolean> {
  const rows = await ex
    .select({ id: reports.id })
    .from(reports)
    .where(and(eq(reports.conversationId, conversationId), eq(reports.reporterSide, side)))
    .limit(1);
  return rows.length > 0;
}

/**
 * Serialises the consumers' work for one person until commit (a price drop
 * racing the person's deactivation must not re-create an inbox just deleted).
 */
export async function lockPerson(tx: Executor, userId: string): Promise<void> {
  // an advisory lock is a function call, not a table statement
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`messaging.person:${userId}`}))`);
}

export async function isDeactivated(ex: Executor, userId: string): Promise<boolean> {
  const rows = await ex.select().from(deactivatedUsers).where(eq(deactivatedUsers.userId, userId));
  return rows.length > 0;
}

// ───────────── writes ─────────────

/** Counts one more message for a sender in a window; the new count (atomic). */
export async function bumpSendRate(tx: Executor, senderId: string, windowStart: number): Promise<number> {
  // one statement: the sender's earlier windows go as this one counts
  const older = tx.delete(sendRates).where(and(eq(sendRates.senderId, senderId), lt(sendRates.windowStart, windowStart)));
  const bump = tx
    .insert(sendRates)
    .values({ senderId, windowStart, count: 1 })
    .onConflictDoUpdate({ target: [sendRates.senderId, sendRates.windowStart], set: { count: sql`${sendRates.count} + 1` } })
    .returning({ count: sendRates.count });
  const [r] = await queryRows<{ count: number }>(tx, sql`with older as (${older.getSQL()}) ${bump.getSQL()}`);
  return Number(r.count);
}

/**
 * The conversation `where` finds, made from `values` when missing
 * (race-free: a conversation made meanwhile by another transaction is the
 * one read after the insert, which waited for it). One statement when it
 * exists, as it does for every message after the first.
 */
async function ensureConversation(tx: Executor, where: SQL | undefined, values: typeof conversations.$inferInsert): Promise<ConversationRow> {
  const find = () => tx.select().from(conversations).where(where);
  const [known] = await find();
  if (known) return known;
  await tx.insert(conversations).values(values).onConflictDoNothing();
  const [c] = await find();
  return c;
}

/** The SELLER conversation of a buyer and a store, made when missing. */
export function ensureSellerConversation(tx: Executor, buyerId: string, storeId: string, sellerId: string, now: Date): Promise<ConversationRow> {
  return ensureConversation(tx, and(eq(conversations.buyerId, buyerId), eq(conversations.storeId, storeId), eq(conversations.category, 'SELLER')), {
    category: 'SELLER',
    buyerId,
    storeId,
    sellerId,
    createdAt: now,
    updatedAt: now,
  });
}

/** A user's ORDER_UPDATES or PROMOTIONS conversation, made when missing. */
export function ensureSystemConversation(tx: Executor, userId: string, category: Category, now: Date): Promise<ConversationRow> {
  return ensureConversation(tx, and(eq(conversations.buyerId, userId), eq(conversations.category, category)), {
    category,
    buyerId: userId,
    createdAt: now,
    updatedAt: now,
  });
}

/** The update that counts one more unread message for the recipient's side. */
function incomingCount(tx: Executor, conversationId: string, recipientSide: Side, orderId: string | null, now: Date) {
  const counter = recipientSide === 'BUYER' ? { buyerUnread: sql`${conversations.buyerUnread} + 1` } : { sellerUnread: sql`${conversations.sellerUnread} + 1` };
  return tx
    .update(conversations)
    .set({ ...counter, updatedAt: now, ...(orderId ? { orderId } : {}) })
    .where(eq(conversations.id, conversationId));
}

/** One more unread message for the recipient's side, atomically (locks the row until commit). */
export async function countIncoming(tx: Executor, conversationId: string, recipientSide: Side, orderId: string | null, now: Date): Promise<void> {
  await incomingCount(tx, conversationId, recipientSide, orderId, now);
}

export interface NewMessage {
  conversationId: string;
  senderRole: 'BUYER' | 'SELLER' | 'SYSTEM';
  senderId: string | null;
  body: string;
  attachments: AttachmentValue[];
  orderId: string | null;
  readByBuyer: boolean;
  readBySeller: boolean;
  createdAt: Date;
  sourceEventSeq?: number;
  recipientId?: string;
}

export async function insertMessage(tx: Executor, m: NewMessage): Promise<MessageRow> {
  const [row] = await tx.insert(messages).values(m).returning();
  return row;
}

/**
 * A person's message and one more unread for the other side (countIncoming),
 * in one statement: the counter row is locked from here until commit.
 */
export async function insertIncomingMessage(tx: Executor, m: NewMessage, recipientSide: Side): Promise<MessageRow> {
  const counted = tx.$with('counted').as(incomingCount(tx, m.conversationId, recipientSide, m.orderId, m.createdAt));
  const [row] = await tx.with(counted).insert(messages).values(m).returning();
  return row;
}

/**
 * A SYSTEM message made from a consumed event; undefined when that event
 * already made one for that recipient (a replay).
 */
export async function insertSystemMessage(tx: Executor, m: NewMessage & { sourceEventSeq: number; recipientId: string }): Promise<MessageRow | undefined> {
  const [row] = await tx.insert(messages).values(m).onConflictDoNothing().returning();
  return row;
}

/** Stores the message.created event's seq on the message and its conversation. */
export async function recordSeq(tx: Executor, messageId: string, conversationId: string, seq: number): Promise<void> {
  // one statement: it runs after `publish`, while the outbox's lock is held until commit
  const message = tx.update(messages).set({ seq }).where(eq(messages.id, messageId));
  await tx.execute(
    sql`with message as (${message.getSQL()}) ${tx.update(conversations).set({ lastSeq: seq, lastMessageId: messageId }).where(eq(conversations.id, conversationId)).getSQL()}`,
  );
}

export async function markRead(tx: Executor, conversationId: string, side: Side): Promise<void> {
  if (side === 'BUYER') {
    await tx.update(conversations).set({ buyerUnread: 0 }).where(eq(conversations.id, conversationId));
    await tx
      .update(messages)
      .set({ readByBuyer: true })
      .where(and(eq(messages.conversationId, conversationId), not(messages.readByBuyer)));
  } else {
    await tx.update(conversations).set({ sellerUnread: 0 }).where(eq(conversations.id, conversationId));
    await tx
      .update(messages)
      .set({ readBySeller: true })
      .where(and(eq(messages.conversationId, conversationId), not(messages.readBySeller)));
  }
}

export async function setArchived(tx: Executor, conversationId: string, side: Side, archived: boolean): Promise<void> {
  await tx
    .update(conversations)
    .set(side === 'BUYER' ? { buyerArchived: archived } : { sellerArchived: archived })
    .where(eq(conversations.id, conversationId));
}

export async function upsertKnownOrder(tx: Executor, o: KnownOrder): Promise<void> {
  await tx.insert(knownOrders).values(o).onConflictDoNothing();
}

/**
 * Deactivation: the person's conversations as buyer (SYSTEM inboxes too)
 * with their messages, and the messages they sent as a seller (the buyers'
 * unread counters and last messages follow).
 */
export async function deleteUserData(tx: Executor, userId: string): Promise<void> {
  await tx.insert(deactivatedUsers).values({ userId }).onConflictDoNothing();
  await tx.delete(conversations).where(eq(conversations.buyerId, userId));
  // a data-modifying CTE (delete ... returning feeding an update), which the builder cannot say
  await tx.execute(
    sql`with gone as (
          delete from messaging.messages where sender_id = ${userId} returning conversation_id, read_by_buyer
        ), per as (
          select conversation_id, count(*) filter (where not read_by_buyer) as unread from gone group by conversation_id
        )
        update messaging.conversations c
           set buyer_unread = greatest(0, c.buyer_unread - per.unread),
               last_message_id = (select id from messaging.messages m where m.conversation_id = c.id and m.sender_id is distinct from ${userId} order by m.seq desc nulls last limit 1)
          from per where per.conversation_id = c.id`,
  );
  await tx.delete(reports).where(eq(reports.reporterId, userId));
  await tx.delete(sendRates).where(eq(sendRates.senderId, userId));
  await tx.delete(knownOrders).where(eq(knownOrders.buyerId, userId));
}
