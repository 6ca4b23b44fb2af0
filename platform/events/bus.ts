/**
 * The event bus: a transactional outbox in PostgreSQL.
 *
 * - `publish(tx, events)` writes events in the caller's transaction, so an event
 *   exists exactly when the change it announces committed. It takes a
 *   transaction-scoped advisory lock first, which makes the order of `seq` the
 *   order of commits: a reader that has seen `seq` N has seen everything before
 *   N, forever. Call it as the last statement of the transaction (the lock is
 *   held until commit). It ends with `pg_notify`, which PostgreSQL delivers
 *   only on commit.
 * - `EventBus` tails the log of one database: NOTIFY wakes it, a poll
 *   (`pollIntervalMs`, default 1000) covers missed notifications, e.g. after a
 *   reconnect. The NOTIFY names the topics committed, and wakes only the
 *   consumers of those (the poll wakes all). Live listeners (`onEvent`) see every event once, in order
 *   (or, listening for one audience member, every event addressed to it).
 * - Durable consumers (`consume`) keep their position in `events.consumers` in
 *   their own database and advance it in the same transaction as the handler's
 *   writes, so each event is handled exactly once per consumer name, even with
 *   several instances (the position row is locked with SKIP LOCKED) and across
 *   restarts.
 */
import { sql } from 'drizzle-orm';
import type { Database, Executor, Tx } from '../db.ts';
import { queryRows } from '../db.ts';
import type { Logger } from '../log.ts';

export const EVENTS_CHANNEL = 'marketplace_events';
const PUBLISH_LOCK = 7_310_001; // advisory lock key that serialises publishers

export interface NewEvent {
  topic: string;
  payload: Record<string, unknown>;
  /** User ids to whom this event is addressed (subscriptions). */
  audience?: string[];
}

export interface BusEvent<P = Record<string, unknown>> {
  seq: number;
  topic: string;
  payload: P;
  audience: string[];
  createdAt: Date;
}

interface Row {
  seq: string | number;
  topic: string;
  payload: unknown;
  audience: string[] | string;
  created_at: string | Date;
}

function toEvent(r: Row): BusEvent {
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

/** Write events in the caller's transaction. Returns their sequence numbers. */
export async function publish(tx: Executor, events: NewEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  await tx.execute(sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`);
  const values = sql.join(
    events.map((e) => sql`(${e.topic}, ${JSON.stringify(e.payload)}::jsonb, ${toTextArray(e.audience ?? [])}::text[])`),
    sql`, `,
  );
  const rows = await queryRows<{ seq: string }>(tx, sql`insert into events.log (topic, payload, audience) values ${values} returning seq`);
  const seqs = rows.map((r) => Number(r.seq));
  await tx.execute(
    sql`select pg_notify(${EVENTS_CHANNEL}, ${notifyPayload(
      String(seqs[seqs.length - 1]),
      events.map((e) => e.topic),
    )})`,
  );
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

function notifiedTopics(payload: string | undefined): Set<string> | undefined {
  const i = payload?.indexOf(' ') ?? -1;
  if (i < 0) return undefined;
  const topics = payload!
    .slice(i + 1)
    .split(',')
    .filter(Boolean);
  return topics.length ? new Set(topics) : undefined;
}

function toTextArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

export type Handler = (tx: Tx, event: BusEvent) => Promise<void>;

interface Consumer {
  name: string;
  topics: string[];
  db: Database;
  handler: Handler;
  running: boolean;
  again: boolean;
}

export interface EventBusOptions {
  pollIntervalMs?: number;
  log?: Logger;
  /** Events per batch, for tailing and for consumers (default 200). */
  batchSize?: number;
}

export class EventBus {
  /** Live listeners of every event. */
  private listeners = new Set<(e: BusEvent) => void>();
  /** Live listeners of one audience member's events: an event wakes only its audience's. */
  private byAudience = new Map<string, Set<(e: BusEvent) => void>>();
  private consumers: Consumer[] = [];
  private lastSeq = 0;
  private pumping = false;
  private pumpAgain = false;
  private timer?: NodeJS.Timeout;
  private unlisten?: () => Promise<void>;
  private stopped = false;
  private readonly batch: number;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    readonly db: Database,
    private readonly opts: EventBusOptions = {},
  ) {
    this.batch = opts.batchSize ?? 200;
  }

  /** Start tailing from the current end of the log. */
  async start(): Promise<void> {
    const [row] = await queryRows<{ max: string | null }>(this.db.drizzle, sql`select max(seq) as max from events.log`);
    this.lastSeq = Number(row?.max ?? 0);
    this.unlisten = await this.db.listen(EVENTS_CHANNEL, (payload) => this.wake(notifiedTopics(payload)));
    const every = this.opts.pollIntervalMs ?? 1000;
    this.timer = setInterval(() => this.wake(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    // let running batches finish
    for (let i = 0; i < 100 && (this.pumping || this.consumers.some((c) => c.running)); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Highest sequence number delivered to live listeners. */
  get position(): number {
    return this.lastSeq;
  }

  /**
   * Every event committed after start, once, in order; with `audience`, only
   * the events whose audience includes it (a subscription listens for its
   * viewer's: an event costs its audience's listeners, not every listener in
   * the process). Returns an unsubscribe.
   */
  onEvent(listener: (e: BusEvent) => void, audience?: string): () => void {
    if (audience === undefined) {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    }
    let set = this.byAudience.get(audience);
    if (!set) this.byAudience.set(audience, (set = new Set()));
    set.add(listener);
    const mine = set;
    return () => {
      mine.delete(listener);
      if (mine.size === 0 && this.byAudience.get(audience) === mine) this.byAudience.delete(audience);
    };
  }

  /** Hands `e` to the listeners of every event and to those of each of its audience. */
  private dispatch(e: BusEvent): void {
    const call = (l: (e: BusEvent) => void) => {
      try {
        l(e);
      } catch (err) {
        this.opts.log?.error('event listener failed', { topic: e.topic, seq: e.seq, err });
      }
    };
    for (const l of this.listeners) call(l);
    if (this.byAudience.size === 0) return;
    const audience = e.audience;
    for (let i = 0; i < audience.length; i++) {
      if (audience.indexOf(audience[i]) !== i) continue; // named twice: once
      const set = this.byAudience.get(audience[i]);
      if (set) for (const l of set) call(l);
    }
  }

  /**
   * After publishing `seqs` in `db` (`publish` returns them), wait until this
   * process's live listeners have applied those events (so that a revocation
   * holds before the mutation answers). In the bus's own database they are
   * the log's numbers. In a subgraph database of its own (`origin`, the
   * subgraph's name) they are numbers of that database's outbox: the relay
   * copies them into the shared log in order under other numbers, recording
   * (origin, origin_seq), so this waits until the copy of the last one exists
   * and then for its number in the shared log.
   */
  async settled(db: Database, origin: string, seqs: number[], timeoutMs = 5000): Promise<void> {
    if (!seqs.length) return;
    const last = Math.max(...seqs);
    if (db.key === this.db.key) return this.waitFor(last, timeoutMs);
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      // read before looking, so a copy applied meanwhile still wakes the wait below
      const seen = this.lastSeq;
      const [copy] = await queryRows<{ seq: string }>(this.db.drizzle, sql`select seq from events.log where origin = ${origin} and origin_seq = ${last}`);
      const left = giveUpAt - Date.now();
      if (copy) return this.waitFor(Number(copy.seq), Math.max(left, 0));
      if (left <= 0) return;
      // not relayed yet: wait for the next event this bus applies, then look again
      await this.waitFor(seen + 1, left);
    }
  }

  /** Resolves once live listeners have seen `seq` (or a later event). */
  waitFor(seq: number, timeoutMs = 5000): Promise<void> {
    if (this.lastSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      const w = { seq, resolve };
      this.waiters.push(w);
      this.wake();
      setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve();
      }, timeoutMs).unref();
    });
  }

  /**
   * Register a durable consumer. `db` is the consumer's own database: its
   * position and the handler's writes commit together there.
   */
  consume(name: string, topics: string[], db: Database, handler: Handler): void {
    const c: Consumer = { name, topics, db, handler, running: false, again: false };
    this.consumers.push(c);
    void this.runConsumer(c);
  }

  /** Stop and forget the consumers registered for `db` (its subgraph is stopping). */
  async removeConsumers(db: Database): Promise<void> {
    const mine = this.consumers.filter((c) => c.db === db);
    this.consumers = this.consumers.filter((c) => c.db !== db);
    for (let i = 0; i < 250 && mine.some((c) => c.running); i++) await new Promise((r) => setTimeout(r, 20));
  }

  /** The newest event's position in the log (0 when empty): how far behind `position` is. */
  async head(): Promise<number> {
    const [row] = await queryRows<{ max: string | null }>(this.db.drizzle, sql`select max(seq) as max from events.log`);
    return Number(row?.max ?? 0);
  }

  /**
   * Events of `topics`, oldest first: those created after `since`, and every
   * one of `always` whatever its age (e.g. the revocations a verifier must know
   * at start: recent session revocations, every deactivation).
   */
  async history(topics: string[], since: Date, always: string[] = []): Promise<BusEvent[]> {
    if (!topics.length) return [];
    const rows = await queryRows<Row>(
      this.db.drizzle,
      sql`select seq, topic, payload, audience, created_at from events.log
          where topic in (${sql.join(
            topics.map((t) => sql`${t}`),
            sql`, `,
          )})
            and (created_at > ${since.toISOString()}${
              always.length
                ? sql` or topic in (${sql.join(
                    always.map((t) => sql`${t}`),
                    sql`, `,
                  )})`
                : sql``
            })
          order by seq`,
    );
    return rows.map(toEvent);
  }

  /** Events after `after`, oldest first, optionally only for one audience member. */
  async readAfter(after: number, opts: { topics?: string[]; audience?: string; limit?: number } = {}): Promise<BusEvent[]> {
    const conds = [sql`seq > ${after}`];
    if (opts.topics?.length)
      conds.push(
        sql`topic in (${sql.join(
          opts.topics.map((t) => sql`${t}`),
          sql`, `,
        )})`,
      );
    if (opts.audience) conds.push(sql`audience @> ${toTextArray([opts.audience])}::text[]`);
    const rows = await queryRows<Row>(
      this.db.drizzle,
      sql`select seq, topic, payload, audience, created_at from events.log
          where ${sql.join(conds, sql` and `)} order by seq limit ${opts.limit ?? this.batch}`,
    );
    return rows.map(toEvent);
  }

  /** Read what is new for live listeners, and run the consumers of `topics` (all of them without). */
  private wake(topics?: Set<string>): void {
    if (this.stopped) return;
    void this.pump();
    for (const c of this.consumers) if (!topics || c.topics.some((t) => topics.has(t))) void this.runConsumer(c);
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        let got: number;
        do {
          const events = await this.readAfter(this.lastSeq);
          got = events.length;
          for (const e of events) {
            this.lastSeq = e.seq;
            this.dispatch(e);
          }
          this.releaseWaiters();
        } while (got === this.batch && !this.stopped);
      } while (this.pumpAgain && !this.stopped);
    } catch (err) {
      this.opts.log?.warn('event bus read failed; retrying on next poll', { err });
    } finally {
      this.pumping = false;
    }
  }

  private releaseWaiters(): void {
    if (!this.waiters.length) return;
    const ready = this.waiters.filter((w) => w.seq <= this.lastSeq);
    this.waiters = this.waiters.filter((w) => w.seq > this.lastSeq);
    for (const w of ready) w.resolve();
  }

  private async runConsumer(c: Consumer): Promise<void> {
    if (c.running) {
      c.again = true;
      return;
    }
    c.running = true;
    try {
      await c.db.drizzle.execute(sql`insert into events.consumers (name) values (${c.name}) on conflict (name) do nothing`);
      do {
        c.again = false;
        let more = true;
        while (more && !this.stopped) {
          more = await c.db.drizzle.transaction(async (tx) => {
            const [pos] = await queryRows<{ position: string }>(tx, sql`select position from events.consumers where name = ${c.name} for update skip locked`);
            if (!pos) return false; // another instance holds this consumer right now
            const from = Number(pos.position);
            const events = c.db.key === this.db.key ? await readAfterIn(tx, from, c.topics, this.batch) : await this.readAfter(from, { topics: c.topics });
            if (events.length === 0) return false;
            for (const e of events) await c.handler(tx, e);
            const last = events[events.length - 1].seq;
            await tx.execute(sql`update events.consumers set position = ${last}, updated_at = now() where name = ${c.name}`);
            return events.length === this.batch;
          });
        }
      } while (c.again && !this.stopped);
    } catch (err) {
      this.opts.log?.error('event consumer failed; will retry', { consumer: c.name, err });
    } finally {
      c.running = false;
    }
  }
}

async function readAfterIn(tx: Executor, after: number, topics: string[], limit: number): Promise<BusEvent[]> {
  const rows = await queryRows<Row>(
    tx,
    sql`select seq, topic, payload, audience, created_at from events.log
        where seq > ${after} and topic in (${sql.join(
          topics.map((t) => sql`${t}`),
          sql`, `,
        )})
        order by seq limit ${limit}`,
  );
  return rows.map(toEvent);
}
