/**
 * The outbox relay, for a subgraph whose database is not the event log's
 * (`<NAME>_DATABASE_URL` set apart from `EVENTS_DATABASE_URL`/`DATABASE_URL`).
 *
 * The subgraph still publishes in its own transactions, into the `events.log`
 * of its own database (the outbox). The relay copies those events, in order,
 * into the shared log, where every consumer and subscription reads them. Each
 * copy carries (origin, origin_seq) under a unique index, so a crash between
 * copying and recording the relay's position never duplicates an event; the
 * position lives in the subgraph database's `events.consumers` row
 * `relay:<origin>`.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db.ts';
import { queryRows } from '../db.ts';
import { EVENTS_CHANNEL, notifyPayload, PUBLISH_LOCK, toEvent, toTextArray, type LogRow } from './outbox.ts';
import type { Logger } from '../log.ts';

export class OutboxRelay {
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private unlisten?: () => Promise<void>;
  private stopped = false;
  private readonly consumer: string;

  constructor(
    private readonly local: Database,
    private readonly shared: Database,
    private readonly origin: string,
    private readonly opts: { pollIntervalMs?: number; log?: Logger } = {},
  ) {
    this.consumer = `relay:${origin}`;
  }

  async start(): Promise<void> {
    await this.local.drizzle.execute(sql`insert into events.consumers (name) values (${this.consumer}) on conflict (name) do nothing`);
    this.unlisten = await this.local.listen(EVENTS_CHANNEL, () => void this.pump());
    this.timer = setInterval(() => void this.pump(), this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
    await this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    for (let i = 0; i < 100 && this.running; i++) await new Promise((r) => setTimeout(r, 20));
  }

  private async pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const [pos] = await queryRows<{ position: string }>(this.local.drizzle, sql`select position from events.consumers where name = ${this.consumer}`);
          const rows = await queryRows<LogRow>(
            this.local.drizzle,
            sql`select seq, topic, payload, audience, created_at from events.log
                where seq > ${Number(pos?.position ?? 0)} and origin is null order by seq limit 200`,
          );
          if (rows.length === 0 || this.stopped) break;
          await this.shared.drizzle.transaction(async (tx) => {
            await tx.execute(sql`select pg_advisory_xact_lock(${PUBLISH_LOCK})`);
            // toEvent: the driver may hand text[] over as its text form; the audience must survive the copy
            for (const e of rows.map(toEvent)) {
              await tx.execute(sql`insert into events.log (topic, payload, audience, created_at, origin, origin_seq)
                values (${e.topic}, ${JSON.stringify(e.payload)}::jsonb, ${toTextArray(e.audience)}::text[], ${e.createdAt.toISOString()}, ${this.origin}, ${e.seq})
                on conflict (origin, origin_seq) do nothing`);
            }
            await tx.execute(
              sql`select pg_notify(${EVENTS_CHANNEL}, ${notifyPayload(
                'relay',
                rows.map((r) => r.topic),
              )})`,
            );
          });
          await this.local.drizzle.execute(
            sql`update events.consumers set position = ${Number(rows[rows.length - 1].seq)}, updated_at = now() where name = ${this.consumer}`,
          );
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      this.opts.log?.warn('outbox relay failed; retrying on next poll', { origin: this.origin, err });
    } finally {
      this.running = false;
    }
  }
}
