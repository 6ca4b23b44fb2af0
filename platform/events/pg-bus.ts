/**
 * The event bus on PostgreSQL (the default, and the only one with the
 * embedded database): the outbox `events.log` of one database is the log.
 *
 * - It tails that log: NOTIFY wakes it, a poll (`pollIntervalMs`, default
 *   1000) covers missed notifications, e.g. after a reconnect. The NOTIFY
 *   names the topics committed (and the last position), and wakes only the
 *   consumers of those; it reads the log for live listeners only when one of
 *   this process's listeners (or waiters) wants one of those topics, else it
 *   notes the position as passed over, so that a listener added later starts
 *   after it (listeners.ts `since`): a subgraph whose listeners are the token
 *   verifier's (revocations) does not read the log for every message. The
 *   poll runs only the consumers that may have work (consumers.ts `poll`),
 *   so an idle system issues one statement a second per bus. Live listeners see every event once, in order, because
 *   `publish` makes `seq` follow commit order (outbox.ts).
 * - A subgraph with a database of its own publishes into that database's
 *   outbox, which `OutboxRelay` (relay.ts) copies into this log.
 * - Durable consumers (consumers.ts) read this log from their position.
 */
import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../db.ts';
import { queryRows } from '../db.ts';
import { Consumers } from './consumers.ts';
import { Listeners } from './listeners.ts';
import { countBus, EVENTS_CHANNEL, readNotify, toEvent, toTextArray, type LogRow } from './outbox.ts';
import { OutboxRelay } from './relay.ts';
import type { BusEvent, EventBus, EventBusOptions, Handler, ReadOptions } from './types.ts';

export class PgEventBus implements EventBus {
  readonly kind = 'postgres' as const;
  private readonly listeners: Listeners;
  private readonly consumers: Consumers;
  private pumping = false;
  private pumpAgain = false;
  private timer?: NodeJS.Timeout;
  private unlisten?: () => Promise<void>;
  private stopped = false;
  private started = false;
  private readonly batch: number;
  /** Topics of the events the pump delivered since the last poll. */
  private seen = new Set<string>();
  /** The highest position of a commit whose topics no listener wanted (not read for them). */
  private passed = 0;

  constructor(
    /** The database whose `events.log` is the log. */
    readonly db: Database,
    private readonly opts: EventBusOptions = {},
  ) {
    this.batch = opts.batchSize ?? 200;
    this.listeners = new Listeners(opts.log, () => this.wake());
    this.consumers = new Consumers(
      (c, tx, from, limit) =>
        c.db.key === this.db.key ? readLog(tx, from, { topics: c.topics, limit }) : readLog(this.db.drizzle, from, { topics: c.topics, limit }),
      this.batch,
      opts.log,
    );
  }

  async start(): Promise<void> {
    countBus('postgres', 1);
    this.started = true;
    this.listeners.position = await this.head();
    this.unlisten = await this.db.listen(EVENTS_CHANNEL, (payload) => this.notified(payload));
    this.timer = setInterval(() => this.poll(), this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.started && !this.stopped) countBus('postgres', -1);
    this.stopped = this.consumers.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    // let running batches finish
    for (let i = 0; i < 100 && (this.pumping || this.consumers.busy); i++) await new Promise((r) => setTimeout(r, 20));
  }

  get position(): number {
    return Math.max(this.listeners.position, this.passed);
  }

  onEvent(listener: (e: BusEvent) => void, audience?: string, topics?: readonly string[]): () => void {
    return this.listeners.add(listener, audience, topics, this.position);
  }

  /** Waits until live listeners have applied the last of `seqs` (see `positions` for a database of its own). */
  async settled(db: Database, origin: string, seqs: number[], timeoutMs = 5000): Promise<void> {
    if (!seqs.length) return;
    const giveUpAt = Date.now() + timeoutMs;
    const [last] = await this.positions(db, origin, [Math.max(...seqs)], timeoutMs);
    return this.waitFor(last, Math.max(giveUpAt - Date.now(), 0));
  }

  /**
   * In the bus's own database `seqs` are the log's numbers. In a subgraph
   * database of its own (`origin`) they are numbers of that database's
   * outbox: the relay copies them into the shared log in order under other
   * numbers, recording (origin, origin_seq); this waits for the copies.
   */
  async positions(db: Database, origin: string, seqs: number[], timeoutMs = 5000): Promise<number[]> {
    if (!seqs.length || db.key === this.db.key) return [...seqs];
    const found = new Map<number, number>();
    const giveUpAt = Date.now() + timeoutMs;
    for (;;) {
      // read before looking, so a copy applied meanwhile still wakes the wait below
      const seen = this.position;
      const missing = [...new Set(seqs)].filter((s) => !found.has(s));
      const copies = await queryRows<{ seq: string; origin_seq: string }>(
        this.db.drizzle,
        sql`select seq, origin_seq from events.log where origin = ${origin} and origin_seq = any(${`{${missing.join(',')}}`}::bigint[])`,
      );
      for (const c of copies) found.set(Number(c.origin_seq), Number(c.seq));
      const left = giveUpAt - Date.now();
      if (copies.length === missing.length || left <= 0) return seqs.map((s) => found.get(s) ?? seen);
      // not all relayed yet: wait for the next event this bus applies, then look again
      await this.waitFor(seen + 1, left);
    }
  }

  waitFor(seq: number, timeoutMs = 5000): Promise<void> {
    return this.listeners.waitFor(seq, timeoutMs);
  }

  /** A database of its own: its outbox is relayed into the shared log. */
  async attach(db: Database, origin: string): Promise<() => Promise<void>> {
    if (db.key === this.db.key) return async () => {};
    const relay = new OutboxRelay(db, this.db, origin, { log: this.opts.log });
    await relay.start();
    return () => relay.stop();
  }

  consume(name: string, topics: string[], db: Database, handler: Handler): void {
    this.consumers.add(name, topics, db, handler);
  }

  removeConsumers(db: Database): Promise<void> {
    return this.consumers.remove(db);
  }

  async head(): Promise<number> {
    const [row] = await queryRows<{ max: string | null }>(this.db.drizzle, sql`select max(seq) as max from events.log`);
    return Number(row?.max ?? 0);
  }

  async history(topics: string[], since: Date, always: string[] = []): Promise<BusEvent[]> {
    if (!topics.length) return [];
    const rows = await queryRows<LogRow>(
      this.db.drizzle,
      sql`select seq, topic, payload, audience, created_at from events.log
          where topic in ${list(topics)}
            and (created_at > ${since.toISOString()}${always.length ? sql` or topic in ${list(always)}` : sql``})
          order by seq`,
    );
    return rows.map(toEvent);
  }

  readAfter(after: number, opts: ReadOptions = {}): Promise<BusEvent[]> {
    return readLog(this.db.drizzle, after, { ...opts, limit: opts.limit ?? this.batch });
  }

  /**
   * A NOTIFY: the topics committed and the last position. Nobody here wants
   * those topics: no read, the position is passed over (the pump still reads
   * from where it delivered last, so an event of a NOTIFY that was missed
   * reaches its listeners on the next read, the poll at the latest).
   */
  private notified(payload: string | undefined): void {
    const { topics, position: at } = readNotify(payload);
    if (this.stopped || !topics || at === undefined || this.listeners.wants(topics)) return this.wake(topics);
    this.passed = Math.max(this.passed, at);
    this.consumers.wake(topics);
  }

  /** Read what is new for live listeners, and run the consumers of `topics` (all of them without). */
  private wake(topics?: Set<string>): void {
    if (this.stopped) return;
    void this.pump();
    this.consumers.wake(topics);
  }

  /** The periodic poll: read the log, and run the consumers that may have work (consumers.ts `poll`). */
  private poll(): void {
    if (this.stopped) return;
    void this.pump();
    const topics = this.seen;
    this.seen = new Set();
    this.consumers.poll(topics);
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
          const events = await this.readAfter(this.listeners.position);
          got = events.length;
          for (const e of events) {
            this.listeners.deliver(e);
            this.seen.add(e.topic);
          }
          this.listeners.release();
        } while (got === this.batch && !this.stopped);
      } while (this.pumpAgain && !this.stopped);
    } catch (err) {
      this.opts.log?.warn('event bus read failed; retrying on next poll', { err });
    } finally {
      this.pumping = false;
    }
  }
}

function list(values: string[]) {
  return sql`(${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )})`;
}

/** Events of the log after `after`, oldest first. */
async function readLog(db: Executor, after: number, opts: ReadOptions & { limit: number }): Promise<BusEvent[]> {
  const conds = [sql`seq > ${after}`];
  if (opts.topics?.length) conds.push(sql`topic in ${list(opts.topics)}`);
  if (opts.audience) conds.push(sql`audience @> ${toTextArray([opts.audience])}::text[]`);
  const rows = await queryRows<LogRow>(
    db,
    sql`select seq, topic, payload, audience, created_at from events.log
        where ${sql.join(conds, sql` and `)} order by seq limit ${opts.limit}`,
  );
  return rows.map(toEvent);
}
