/**
 * The relay of one database's outbox to JetStream (the NATS bus).
 *
 * `publish` marks each row `relay_pending` in the business transaction. The
 * relay takes the rows still pending, oldest first, publishes each with the
 * message id `<database id>-<seq>`, records the stream sequence JetStream gave
 * it (`stream_seq`) and clears the mark, all in one transaction that holds the
 * relay's row in `events.consumers` (`relay:nats`, SKIP LOCKED): any number of
 * instances may run a relay for the same database; one at a time relays, in
 * order, and another takes over when it dies. A crash after publishing and
 * before the commit publishes the same rows again under the same ids, which
 * JetStream drops as duplicates within its window (jetstream.ts). Publishers
 * take no lock: rows that race commit in either order, and a row committed
 * behind a later one is published when it becomes visible (rows that touch the
 * same data are ordered by that data's row locks, and so are their events).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db.ts';
import { queryRows } from '../db.ts';
import type { Logger } from '../log.ts';
import type { EventStream } from './jetstream.ts';
import { onPublished, toEvent, type LogRow } from './outbox.ts';

const RELAY = 'relay:nats';
const DATABASE_ID = 'relay:nats:database-id';

export class JetStreamRelay {
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private offPublished?: () => void;
  private stopped = false;
  private databaseId?: string;

  constructor(
    private readonly db: Database,
    private readonly stream: EventStream,
    private readonly opts: { pollIntervalMs?: number; batchSize?: number; log?: Logger } = {},
  ) {}

  async start(): Promise<void> {
    await this.db.drizzle.execute(sql`insert into events.consumers (name) values (${RELAY}) on conflict (name) do nothing`);
    // the database's id, made once: a message id must be the same whichever instance relays it
    await this.db.drizzle.execute(
      sql`insert into events.consumers (name, position) values (${DATABASE_ID}, floor(random() * 281474976710656)::bigint) on conflict (name) do nothing`,
    );
    const [id] = await queryRows<{ position: string }>(this.db.drizzle, sql`select position from events.consumers where name = ${DATABASE_ID}`);
    this.databaseId = Number(id.position).toString(36);
    // a publish in this process commits right after: look again shortly (the poll covers other processes)
    this.offPublished = onPublished(() => {
      setTimeout(() => void this.pump(), 2).unref();
      setTimeout(() => void this.pump(), 20).unref();
    });
    this.timer = setInterval(() => void this.pump(), this.opts.pollIntervalMs ?? 100);
    this.timer.unref();
    await this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.offPublished?.();
    if (this.timer) clearInterval(this.timer);
    for (let i = 0; i < 250 && this.running; i++) await new Promise((r) => setTimeout(r, 20));
  }

  /** Relay until nothing is pending. */
  async pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        while (!this.stopped && (await this.relayBatch())) {
          /* more */
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      this.opts.log?.warn('relay to JetStream failed; retrying', { err });
    } finally {
      this.running = false;
    }
  }

  /** One batch in one transaction; true when a full batch went (there may be more). */
  private relayBatch(): Promise<boolean> {
    const limit = this.opts.batchSize ?? 200;
    return this.db.drizzle.transaction(async (tx) => {
      const [mine] = await queryRows(tx, sql`select name from events.consumers where name = ${RELAY} for update skip locked`);
      if (!mine) return false; // another instance is relaying this database
      const rows = await queryRows<LogRow>(
        tx,
        sql`select seq, topic, payload, audience, created_at from events.log where relay_pending order by seq limit ${limit}`,
      );
      if (!rows.length) return false;
      const events = rows.map(toEvent);
      // pipelined on one connection: JetStream stores them in this order
      const streamSeqs = await Promise.all(events.map((e) => this.stream.publish(e, `${this.databaseId}-${e.seq}`)));
      await tx.execute(sql`update events.log set relay_pending = false, stream_seq = r.stream_seq
        from unnest(${`{${events.map((e) => e.seq).join(',')}}`}::bigint[], ${`{${streamSeqs.join(',')}}`}::bigint[]) as r(seq, stream_seq)
        where events.log.seq = r.seq`);
      return rows.length === limit;
    });
  }
}
