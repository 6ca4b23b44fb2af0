/**
 * The outbox: `publish(tx, events)` writes events into `events.log` of the
 * caller's database in the caller's transaction, so an event exists exactly
 * when the change it announces committed. Call it as the last statement of
 * the transaction.
 *
 * How it writes depends on the bus the process runs (`EVENT_BUS`):
 * - PostgreSQL: it takes a transaction-scoped advisory lock first, which makes
 *   the order of `seq` the order of commits (a reader that has seen `seq` N has
 *   seen everything before N, forever; the lock is held until commit), and
 *   ends with `pg_notify`, which PostgreSQL delivers only on commit.
 * - NATS JetStream: no lock and no NOTIFY (both serialise commits). The row is
 *   marked `relay_pending`; the relay (nats-relay.ts) publishes it to
 *   JetStream and records the stream's sequence in `stream_seq`.
 */
import { sql } from 'drizzle-orm';
import type { Executor } from '../db.ts';
import { queryRows } from '../db.ts';
import type { BusEvent, NewEvent } from './types.ts';

export const EVENTS_CHANNEL = 'marketplace_events';
/** Advisory lock key that serialises publishers into a PostgreSQL-tailed log. */
export const PUBLISH_LOCK = 7_310_001;

/** Buses of each kind running in this process: they decide how `publish` writes. */
const running = { postgres: 0, nats: 0 };
const publishedHooks = new Set<() => void>();

/** A bus of `kind` starts (+1) or stops (-1) in this process. */
export function countBus(kind: 'postgres' | 'nats', delta: 1 | -1): void {
  running[kind] = Math.max(0, running[kind] + delta);
}

/** Called after each `publish` (before its commit): a relay's hint to look soon. */
export function onPublished(hook: () => void): () => void {
  publishedHooks.add(hook);
  return () => publishedHooks.delete(hook);
}

/**
 * Write events in the caller's transaction. Returns their sequence numbers in this database's outbox.
 *
 * One statement whichever the bus: on a tailed log it takes the lock, inserts
 * and notifies at once, so the lock that every publishing transaction waits
 * for is held from this statement to the commit, not across three round trips
 * (bench/RESULTS.md, the bus part). The lock comes first: the insert reads its
 * rows through the lock's one-row result, so no `seq` is drawn before the lock
 * is held.
 */
export async function publish(tx: Executor, events: NewEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  // The PostgreSQL bus needs commit order (also by default, with no bus yet);
  // a process on JetStream alone needs neither the lock nor the NOTIFY.
  const tailed = running.postgres > 0 || running.nats === 0;
  const relayed = running.nats > 0;
  const values = sql.join(
    events.map((e) => sql`(${e.topic}::text, ${JSON.stringify(e.payload)}::jsonb, ${toTextArray(e.audience ?? [])}::text[], ${relayed}::boolean)`),
    sql`, `,
  );
  const rows = tailed
    ? await queryRows<{ seq: string }>(
        tx,
        sql`with locked as (select pg_advisory_xact_lock(${PUBLISH_LOCK})),
                 added as (insert into events.log (topic, payload, audience, relay_pending)
                           select v.topic, v.payload, v.audience, v.relay_pending
                           from locked cross join (values ${values}) as v (topic, payload, audience, relay_pending)
                           returning seq),
                 notified as (select pg_notify(${EVENTS_CHANNEL}, max(seq)::text || ${notifyPayload(
                   '',
                   events.map((e) => e.topic),
                 )}) from added)
            select seq from added cross join (select count(*) from notified) as n order by seq`,
      )
    : await queryRows<{ seq: string }>(tx, sql`insert into events.log (topic, payload, audience, relay_pending) values ${values} returning seq`);
  const seqs = rows.map((r) => Number(r.seq));
  for (const hook of publishedHooks) hook();
  return seqs;
}

/**
 * The NOTIFY payload: `<label> <topic>,<topic>…`, the topics of the events
 * just committed, so a bus wakes only the consumers of those topics. A
 * payload without topics (or the poll) wakes every consumer.
 */
export function notifyPayload(label: string, topics: Iterable<string>): string {
  return `${label} ${[...new Set(topics)].join(',')}`;
}

/**
 * What a NOTIFY payload names: the topics committed (none: wake everything)
 * and the position, when its label is `publish`'s last `seq` (the relay's is not).
 */
export function readNotify(payload: string | undefined): { topics?: Set<string>; position?: number } {
  const i = payload?.indexOf(' ') ?? -1;
  if (i < 0) return {};
  const label = payload!.slice(0, i);
  const topics = payload!
    .slice(i + 1)
    .split(',')
    .filter(Boolean);
  return { topics: topics.length ? new Set(topics) : undefined, position: /^\d+$/.test(label) ? Number(label) : undefined };
}

export function toTextArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** A row of `events.log` as the drivers return it. */
export interface LogRow {
  seq: string | number;
  topic: string;
  payload: unknown;
  audience: string[] | string;
  created_at: string | Date;
}

export function toEvent(r: LogRow): BusEvent {
  const audience = Array.isArray(r.audience)
    ? r.audience
    : String(r.audience)
        .replace(/^\{|\}$/g, '')
        .split(',')
        .filter(Boolean);
  return {
    seq: Number(r.seq),
    topic: r.topic,
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
    audience,
    createdAt: new Date(r.created_at),
  };
}
