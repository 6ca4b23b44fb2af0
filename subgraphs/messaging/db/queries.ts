/** Every SQL statement of the messaging subgraph. */
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db.ts';
import { conversations, deactivatedUsers, knownOrders, messages, reports } from './schema.ts';

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
const num = (v: unknown): number => Number(v);
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

function toConversation(r: Record<string, unknown>): ConversationRow {
  return {
    id: String(r.id),
    category: String(r.category),
    buyerId: String(r.buyer_id),
    storeId: (r.store_id as string | null) ?? null,
    sellerId: (r.seller_id as string | null) ?? null,
    orderId: (r.order_id as string | null) ?? null,
    buyerUnread: num(r.buyer_unread),
    sellerUnread: num(r.seller_unread),
    buyerArchived: Boolean(r.buyer_archived),
    sellerArchived: Boolean(r.seller_archived),
    lastMessageId: (r.last_message_id as string | null) ?? null,
    lastSeq: num(r.last_seq),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

const uuidArray = (ids: string[]) => sql`array[${sql.join(ids.map((i) => sql`${i}`), sql`, `)}]::uuid[]`;

// ───────────── reads ─────────────

export async function conversationsByIds(ex: Executor, ids: string[]): Promise<ConversationRow[]> {
  if (!ids.length) return [];
  return ex.select().from(conversations).where(inArray(conversations.id, ids));
}

export async function messagesByIds(ex: Executor, ids: string[]): Promise<MessageRow[]> {
  if (!ids.length) return [];
  return ex.select().from(messages).where(inArray(messages.id, ids));
}

/** Up to `limit` messages of each conversation, newest first, older than `beforeSeq`. One statement. */
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
  storeId?: string;
  category?: Category | null;
  archived?: boolean | null;
  after?: { seq: number; id: string } | null;
  limit: number;
}

/**
 * A person's conversations (as buyer, and as seller of the stores they own),
 * or a store's. The side's archive flag is the one of the person or seller.
 */
function conversationWhere(f: ConversationFilter): SQL {
  const conds: SQL[] = [];
  if (f.userId) {
    conds.push(sql`(buyer_id = ${f.userId} or seller_id = ${f.userId})`);
    if (f.archived !== null && f.archived !== undefined) {
      conds.push(sql`(case when buyer_id = ${f.userId} then buyer_archived else seller_archived end) = ${f.archived}`);
    }
  }
  if (f.storeId) {
    conds.push(sql`store_id = ${f.storeId} and category = 'SELLER'`);
    if (f.archived !== null && f.archived !== undefined) conds.push(sql`seller_archived = ${f.archived}`);
  }
  if (f.category) conds.push(sql`category = ${f.category}`);
  return sql.join(conds, sql` and `);
}

export async function listConversations(ex: Executor, f: ConversationFilter): Promise<ConversationRow[]> {
  const where = conversationWhere(f);
  const after = f.after ? sql` and (last_seq, id) < (${f.after.seq}, ${f.after.id}::uuid)` : sql``;
  const rows = await queryRows(
    ex,
    sql`select * from messaging.conversations where ${where}${after} order by last_seq desc, id desc limit ${f.limit}`,
  );
  return rows.map(toConversation);
}

export async function countConversations(ex: Executor, f: ConversationFilter): Promise<number> {
  const [r] = await queryRows<{ n: string | number }>(ex, sql`select count(*) as n from messaging.conversations where ${conversationWhere(f)}`);
  return Number(r?.n ?? 0);
}

/** Unread messages of a person: as buyer, plus as seller of their stores. Archived included. */
export async function unreadTotal(ex: Executor, userId: string): Promise<number> {
  const [r] = await queryRows<{ n: string | number | null }>(
    ex,
    sql`select coalesce(sum(case when buyer_id = ${userId} then buyer_unread else 0 end
                        + case when seller_id = ${userId} then seller_unread else 0 end), 0) as n
        from messaging.conversations where buyer_id = ${userId} or seller_id = ${userId}`,
  );
  return Number(r?.n ?? 0);
}

/** The SELLER conversation that has a message about each order. */
export async function conversationsAboutOrders(ex: Executor, orderIds: string[]): Promise<(ConversationRow & { aboutOrderId: string })[]> {
  if (!orderIds.length) return [];
  const rows = await queryRows(
    ex,
    sql`select distinct on (m.order_id) m.order_id as about_order_id, c.*
        from messaging.messages m join messaging.conversations c on c.id = m.conversation_id
        where m.order_id in (${sql.join(orderIds.map((i) => sql`${i}`), sql`, `)}) and c.category = 'SELLER'
        order by m.order_id, m.seq desc`,
  );
  return rows.map((r) => ({ ...toConversation(r), aboutOrderId: String(r.about_order_id) }));
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
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`messaging.person:${userId}`}))`);
}

export async function isDeactivated(ex: Executor, userId: string): Promise<boolean> {
  const rows = await ex.select().from(deactivatedUsers).where(eq(deactivatedUsers.userId, userId));
  return rows.length > 0;
}

// ───────────── writes ─────────────

/** Counts one more message for a sender in a window; the new count (atomic). */
export async function bumpSendRate(tx: Executor, senderId: string, windowStart: number): Promise<number> {
  const [r] = await queryRows<{ count: number | string }>(
    tx,
    sql`insert into messaging.send_rates (sender_id, window_start, count) values (${senderId}, ${windowStart}, 1)
        on conflict (sender_id, window_start) do update set count = messaging.send_rates.count + 1
        returning count`,
  );
  await tx.execute(sql`delete from messaging.send_rates where sender_id = ${senderId} and window_start < ${windowStart}`);
  return Number(r.count);
}

/** The SELLER conversation of a buyer and a store, made when missing (race-free). */
export async function ensureSellerConversation(tx: Executor, buyerId: string, storeId: string, sellerId: string, now: Date): Promise<ConversationRow> {
  await tx.execute(
    sql`insert into messaging.conversations (category, buyer_id, store_id, seller_id, created_at, updated_at)
        values ('SELLER', ${buyerId}, ${storeId}, ${sellerId}, ${now.toISOString()}, ${now.toISOString()})
        on conflict do nothing`,
  );
  const [c] = await tx
    .select()
    .from(conversations)
    .where(and(eq(conversations.buyerId, buyerId), eq(conversations.storeId, storeId), eq(conversations.category, 'SELLER')));
  return c;
}

/** A user's ORDER_UPDATES or PROMOTIONS conversation, made when missing. */
export async function ensureSystemConversation(tx: Executor, userId: string, category: Category, now: Date): Promise<ConversationRow> {
  await tx.execute(
    sql`insert into messaging.conversations (category, buyer_id, created_at, updated_at)
        values (${category}, ${userId}, ${now.toISOString()}, ${now.toISOString()})
        on conflict do nothing`,
  );
  const [c] = await tx
    .select()
    .from(conversations)
    .where(and(eq(conversations.buyerId, userId), eq(conversations.category, category)));
  return c;
}

/** One more unread message for the recipient's side, atomically (locks the row until commit). */
export async function countIncoming(tx: Executor, conversationId: string, recipientSide: Side, orderId: string | null, now: Date): Promise<void> {
  const counter = recipientSide === 'BUYER' ? sql`buyer_unread = buyer_unread + 1` : sql`seller_unread = seller_unread + 1`;
  await tx.execute(
    sql`update messaging.conversations set ${counter}, updated_at = ${now.toISOString()},
          order_id = coalesce(${orderId}::uuid, order_id)
        where id = ${conversationId}`,
  );
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
 * A SYSTEM message made from a consumed event; undefined when that event
 * already made one for that recipient (a replay).
 */
export async function insertSystemMessage(tx: Executor, m: NewMessage & { sourceEventSeq: number; recipientId: string }): Promise<MessageRow | undefined> {
  const [row] = await tx.insert(messages).values(m).onConflictDoNothing().returning();
  return row;
}

/** Stores the message.created event's seq on the message and its conversation. */
export async function recordSeq(tx: Executor, messageId: string, conversationId: string, seq: number): Promise<void> {
  await tx.update(messages).set({ seq }).where(eq(messages.id, messageId));
  await tx.execute(
    sql`update messaging.conversations set last_seq = ${seq}, last_message_id = ${messageId} where id = ${conversationId}`,
  );
}

export async function markRead(tx: Executor, conversationId: string, side: Side): Promise<void> {
  if (side === 'BUYER') {
    await tx.execute(sql`update messaging.conversations set buyer_unread = 0 where id = ${conversationId}`);
    await tx.execute(sql`update messaging.messages set read_by_buyer = true where conversation_id = ${conversationId} and not read_by_buyer`);
  } else {
    await tx.execute(sql`update messaging.conversations set seller_unread = 0 where id = ${conversationId}`);
    await tx.execute(sql`update messaging.messages set read_by_seller = true where conversation_id = ${conversationId} and not read_by_seller`);
  }
}

export async function setArchived(tx: Executor, conversationId: string, side: Side, archived: boolean): Promise<void> {
  await tx
    .update(conversations)
    .set(side === 'BUYER' ? { buyerArchived: archived } : { sellerArchived: archived })
    .where(eq(conversations.id, conversationId));
}

export async function insertReport(tx: Executor, r: { conversationId: string; reporterId: string; reporterSide: Side; reason: string; createdAt: Date }): Promise<void> {
  await tx.insert(reports).values(r);
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
  await tx.execute(sql`delete from messaging.conversations where buyer_id = ${userId}`);
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
  await tx.execute(sql`delete from messaging.reports where reporter_id = ${userId}`);
  await tx.execute(sql`delete from messaging.send_rates where sender_id = ${userId}`);
  await tx.execute(sql`delete from messaging.known_orders where buyer_id = ${userId}`);
}
