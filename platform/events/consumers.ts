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
}

/** Events of `c.topics` after position `from`, oldest first, at most `limit` (read in the consumer's transaction `tx` when it can). */
export type ConsumerRead = (c: Consumer, tx: Tx, from: number, limit: number) => Promise<BusEvent[]>;

export class Consumers {
  private list: Consumer[] = [];
  stopped = false;

  constructor(
    private readonly read: ConsumerRead,
    private readonly batch: number,
    private readonly log?: Logger,
  ) {}

  add(name: string, topics: string[], db: Database, handler: Handler): void {
    const c: Consumer = { name, topics, db, handler, running: false, again: false };
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

  private async run(c: Consumer): Promise<void> {
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
            const events = await this.read(c, tx, Number(pos.position), this.batch);
            if (events.length === 0) return false;
            for (const e of events) await c.handler(tx, e);
            const last = events[events.length - 1].seq;
            await tx.execute(sql`update events.consumers set position = ${last}, updated_at = now() where name = ${c.name}`);
            return events.length === this.batch;
          });
        }
      } while (c.again && !this.stopped);
    } catch (err) {
      this.log?.error('event consumer failed; will retry', { consumer: c.name, err });
    } finally {
      c.running = false;
    }
  }
}
