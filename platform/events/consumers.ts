/**
 * Durable consumers, whichever bus carries the events. A consumer keeps its
 * position in `events.consumers` of its own database and advances it in the
 * same transaction as the handler's writes, so each event is handled exactly
 * once per consumer name, even with several instances (the position row is
 * locked with SKIP LOCKED: one instance at a time runs a consumer) and across
 * restarts. Where the events come from is the bus's `read`.
 */
import { sql } from 'drizzle-orm';
import type { Database, Tx } from '../db.ts';
import { queryRows } from '../db.ts';
import type { Logger } from '../log.ts';
import type { BusEvent, Handler } from './types.ts';

export interface Consumer {
  name: string;
  topics: string[];
  db: Database;
  handler: Handler;
  running: boolean;
  again: boolean;
  /** Its position row exists (made on its first run). */
  registered: boolean;
  /** Its last run did not finish its work: it failed, or another instance held the consumer. */
  unfinished: boolean;
  /** Its position as its last run left it (null before it ran). */
  position: number | null;
}

/** Events of `c.topics` after position `from`, oldest first, at most `limit` (read in the consumer's transaction `tx` when it can). */
export type ConsumerRead = (c: Consumer, tx: Tx, from: number, limit: number) => Promise<BusEvent[]>;

export class Consumers {
  private list: Consumer[] = [];
  /** Databases whose positions a poll is reading now. */
  private readonly polling = new Set<Database>();
  stopped = false;

  constructor(
    private readonly read: ConsumerRead,
    private readonly batch: number,
    private readonly log?: Logger,
  ) {}

  add(name: string, topics: string[], db: Database, handler: Handler): void {
    const c: Consumer = { name, topics, db, handler, running: false, again: false, registered: false, unfinished: false, position: null };
    this.list.push(c);
    void this.run(c);
  }

  async remove(db: Database): Promise<void> {
    const mine = this.list.filter((c) => c.db === db);
    this.list = this.list.filter((c) => c.db !== db);
    for (let i = 0; i < 250 && mine.some((c) => c.running); i++) await new Promise((r) => setTimeout(r, 20));
  }

  get busy(): boolean {
    return this.list.some((c) => c.running);
  }

  /** Run the consumers of `topics` (every consumer without). */
  wake(topics?: Set<string>): void {
    if (this.stopped) return;
    for (const c of this.list) if (!topics || c.topics.some((t) => topics.has(t))) void this.run(c);
  }

  /**
   * The bus's periodic poll: run the consumers of `topics` (events the bus
   * found in the log without a wake-up, e.g. a NOTIFY missed while
   * reconnecting), those whose last run left work (failed, or another
   * instance held the consumer, which may since have stopped), and those whose
   * position someone else moved (another instance, or an operator replaying:
   * one statement per database reads every position). An idle consumer costs
   * no statement of its own.
   */
  poll(topics: Set<string>): void {
    if (this.stopped) return;
    const rest = new Map<Database, Consumer[]>();
    for (const c of this.list) {
      if (c.running) continue;
      if (c.unfinished || !c.registered || c.topics.some((t) => topics.has(t))) void this.run(c);
      else rest.set(c.db, [...(rest.get(c.db) ?? []), c]);
    }
    for (const [db, cs] of rest) void this.runMoved(db, cs);
  }

  private async runMoved(db: Database, cs: Consumer[]): Promise<void> {
    if (this.polling.has(db)) return;
    this.polling.add(db);
    try {
      const rows = await queryRows<{ name: string; position: string }>(
        db.drizzle,
        sql`select name, position from events.consumers where name in (${sql.join(
          cs.map((c) => sql`${c.name}`),
          sql`, `,
        )})`,
      );
      for (const r of rows) {
        const c = cs.find((x) => x.name === r.name);
        if (c && !c.running && Number(r.position) !== c.position) void this.run(c);
      }
    } catch (err) {
      this.log?.warn('event consumers: reading positions failed; will retry', { err });
    } finally {
      this.polling.delete(db);
    }
  }

  private async run(c: Consumer): Promise<void> {
    if (c.running) {
      c.again = true;
      return;
    }
    c.running = true;
    let unfinished = true;
    try {
      if (!c.registered) {
        await c.db.drizzle.execute(sql`insert into events.consumers (name) values (${c.name}) on conflict (name) do nothing`);
        c.registered = true;
      }
      let held = false;
      do {
        c.again = false;
        let more = true;
        while (more && !this.stopped) {
          more = await c.db.drizzle.transaction(async (tx) => {
            const [pos] = await queryRows<{ position: string }>(tx, sql`select position from events.consumers where name = ${c.name} for update skip locked`);
            if (!pos) {
              held = true; // another instance holds this consumer right now: look again on the next poll
              return false;
            }
            c.position = Number(pos.position);
            const events = await this.read(c, tx, c.position, this.batch);
            if (events.length === 0) return false;
            for (const e of events) await c.handler(tx, e);
            const last = events[events.length - 1].seq;
            await tx.execute(sql`update events.consumers set position = ${last}, updated_at = now() where name = ${c.name}`);
            c.position = last;
            return events.length === this.batch;
          });
        }
      } while (c.again && !this.stopped);
      unfinished = held;
    } catch (err) {
      this.log?.error('event consumer failed; will retry', { consumer: c.name, err });
    } finally {
      c.unfinished = unfinished;
      c.running = false;
    }
  }
}
