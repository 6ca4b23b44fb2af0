/** The messaging subgraph's tables, all in the PostgreSQL schema "messaging". */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const messagingSchema = pgSchema('messaging');

/**
 * One SELLER conversation per (buyer, store); one ORDER_UPDATES and one
 * PROMOTIONS conversation per user (buyer_id is the inbox's owner, store and
 * seller are null). Each side has its own unread counter and archive flag.
 */
export const conversations = messagingSchema.table(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    category: text('category').notNull(), // SELLER | ORDER_UPDATES | PROMOTIONS
    buyerId: uuid('buyer_id').notNull(),
    storeId: uuid('store_id'),
    /** The store's owner when the conversation started (SELLER only). */
    sellerId: uuid('seller_id'),
    /** The order the latest message with an order was about. */
    orderId: uuid('order_id'),
    buyerUnread: integer('buyer_unread').notNull().default(0),
    sellerUnread: integer('seller_unread').notNull().default(0),
    buyerArchived: boolean('buyer_archived').notNull().default(false),
    sellerArchived: boolean('seller_archived').notNull().default(false),
    lastMessageId: uuid('last_message_id'),
    /** seq of the last message's message.created event: "most recently active" order. */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('conversations_seller_uq')
      .on(t.buyerId, t.storeId)
      .where(sql`category = 'SELLER'`),
    uniqueIndex('conversations_system_uq')
      .on(t.buyerId, t.category)
      .where(sql`category <> 'SELLER'`),
    index('conversations_buyer_idx').on(t.buyerId, t.lastSeq),
    index('conversations_seller_idx').on(t.sellerId, t.lastSeq),
    index('conversations_store_idx').on(t.storeId, t.lastSeq),
  ],
);

export const messages = messagingSchema.table(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    senderRole: text('sender_role').notNull(), // BUYER | SELLER | SYSTEM
    senderId: uuid('sender_id'),
    body: text('body').notNull(),
    attachments: jsonb('attachments').notNull().default([]),
    orderId: uuid('order_id'),
    /** seq of this message's message.created event: the cursor. */
    seq: bigint('seq', { mode: 'number' }),
    /** SYSTEM messages: the consumed event that made them (idempotency). */
    sourceEventSeq: bigint('source_event_seq', { mode: 'number' }),
    recipientId: uuid('recipient_id'),
    readByBuyer: boolean('read_by_buyer').notNull().default(false),
    readBySeller: boolean('read_by_seller').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.seq),
    index('messages_sender_idx').on(t.senderId),
    index('messages_order_idx').on(t.orderId),
    uniqueIndex('messages_source_uq').on(t.sourceEventSeq, t.recipientId),
  ],
);

/** Orders as seen in order.status_changed events: who may mention them. */
export const knownOrders = messagingSchema.table('known_orders', {
  orderId: uuid('order_id').primaryKey(),
  number: text('number').notNull(),
  buyerId: uuid('buyer_id').notNull(),
  storeId: uuid('store_id').notNull(),
  sellerId: uuid('seller_id').notNull(),
});

/** Reports for moderation (resolved by admins). The reporter's side stops receiving messages from the other side. */
export const reports = messagingSchema.table(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    reporterId: uuid('reporter_id').notNull(),
    reporterSide: text('reporter_side').notNull(), // BUYER | SELLER
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** OPEN until an admin resolves it (service/reports.ts), then RESOLVED with what was done. */
    status: text('status').notNull().default('OPEN'), // OPEN | RESOLVED
    resolution: text('resolution'), // DISMISS | WARN | SUSPEND_STORE | SUSPEND_USER
    resolutionNote: text('resolution_note'),
    resolvedBy: uuid('resolved_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('reports_conversation_idx').on(t.conversationId), index('reports_status_idx').on(t.status, t.createdAt, t.id)],
);

/** Fixed one-minute windows of messages sent per sender. */
export const sendRates = messagingSchema.table(
  'send_rates',
  {
    senderId: uuid('sender_id').notNull(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.senderId, t.windowStart] })],
);

/** Deactivated accounts: no new inbox is made for them. */
export const deactivatedUsers = messagingSchema.table('deactivated_users', {
  userId: uuid('user_id').primaryKey(),
});
