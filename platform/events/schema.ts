/**
 * The kit's own tables: the event log (transactional outbox) and consumer
 * positions. They live in the `events` schema of every subgraph database.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, jsonb, pgSchema, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const eventsSchema = pgSchema('events');

export const eventLog = eventsSchema.table(
  'log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    topic: text('topic').notNull(),
    payload: jsonb('payload').notNull(),
    /** User ids that should see this event live (subscriptions, revocation). */
    audience: text('audience').array().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Relayed events: the subgraph database they were first written to, and their seq there. */
    origin: text('origin'),
    originSeq: bigint('origin_seq', { mode: 'number' }),
    /** With the JetStream bus: written, not yet published to JetStream by the relay (outbox.ts). */
    relayPending: boolean('relay_pending').notNull().default(false),
    /** With the JetStream bus: the stream sequence the relay got for this event. */
    streamSeq: bigint('stream_seq', { mode: 'number' }),
  },
  (t) => [
    index('log_topic_seq_idx').on(t.topic, t.seq),
    index('log_audience_idx').using('gin', t.audience),
    uniqueIndex('log_origin_idx').on(t.origin, t.originSeq),
    // only the rows waiting for the relay (none on the PostgreSQL bus)
    index('log_relay_pending_idx')
      .on(t.seq)
      .where(sql`relay_pending`),
  ],
);

export const consumers = eventsSchema.table('consumers', {
  name: text('name').primaryKey(),
  position: bigint('position', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
