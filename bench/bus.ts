/**
 * The event buses side by side (`npm run bench -- --only=bus`): publishing
 * throughput and delivery latency of the PostgreSQL bus (one advisory lock and
 * a NOTIFY per publishing transaction) and of NATS JetStream (outbox without a
 * lock, relay to the stream), on the same fresh PostgreSQL database server,
 * one after the other in one run.
 *
 * `publishers` connections each commit one-event transactions in a loop for
 * `seconds` (as the subgraphs' mutations do: the change is an insert into a
 * table of the bench's, then `publish`). A live listener in the same process
 * records when each event reaches it; latency is from the start of the
 * publishing transaction to that moment (lock waits included), and every
 * committed event must arrive once.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createDatabase, dropDatabase, openDatabase } from '../platform/db.ts';
import { NatsEventBus, PgEventBus, publish, type EventBus } from '../platform/events/bus.ts';
import { runMigrations } from '../platform/migrate.ts';

export interface BusRow {
  bus: 'postgres' | 'nats';
  publishers: number;
  seconds: number;
  committed: number;
  delivered: number;
  duplicates: number;
  publishedPerS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1);
};

export async function busBench(o: { adminUrl: string; natsUrl: string; seconds: number; publishers: number; log: (s: string) => void }): Promise<BusRow[]> {
  const rows: BusRow[] = [];
  for (const kind of ['postgres', 'nats'] as const) {
    const name = `mg_busbench_${crypto.randomBytes(5).toString('hex')}`;
    const url = await createDatabase(o.adminUrl, name);
    const db = await openDatabase({ name: 'bench', url, max: o.publishers + 6 });
    const stream = `bench_${crypto.randomBytes(5).toString('hex')}`;
    let bus: EventBus | undefined;
    try {
      await runMigrations(db, 'kit', url);
      await db.drizzle.execute(sql`create table public.bench_changes (id bigserial primary key, n int not null)`);
      bus = kind === 'postgres' ? new PgEventBus(db) : new NatsEventBus({ url: o.natsUrl, stream, replicas: 1 });
      await bus.start();
      await bus.attach(db, 'bench');
      const startedAt = new Map<number, number>();
      const latencies: number[] = [];
      const seen = new Set<number>();
      let duplicates = 0;
      bus.onEvent((e) => {
        if (e.topic !== 'bench.changed') return;
        const id = e.payload.id as number;
        if (seen.has(id)) return void duplicates++;
        seen.add(id);
        const t0 = startedAt.get(id);
        if (t0 !== undefined) latencies.push(performance.now() - t0);
      });
      let next = 0;
      let committed = 0;
      const until = performance.now() + o.seconds * 1000;
      await Promise.all(
        Array.from({ length: o.publishers }, async () => {
          while (performance.now() < until) {
            const id = next++;
            startedAt.set(id, performance.now());
            await db.drizzle.transaction(async (tx) => {
              await tx.execute(sql`insert into public.bench_changes (n) values (${id})`);
              await publish(tx, [{ topic: 'bench.changed', payload: { id } }]);
            });
            committed++;
          }
        }),
      );
      const giveUp = performance.now() + 30_000;
      while (seen.size < committed && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 20));
      const row: BusRow = {
        bus: kind,
        publishers: o.publishers,
        seconds: o.seconds,
        committed,
        delivered: seen.size,
        duplicates,
        publishedPerS: Math.round(committed / o.seconds),
        latencyP50Ms: pct(latencies, 50),
        latencyP99Ms: pct(latencies, 99),
        latencyMaxMs: pct(latencies, 100),
      };
      o.log(
        `bus ${kind}: ${row.publishedPerS} publishing transactions/s with ${o.publishers} publishers, delivered ${row.delivered}/${committed} (${duplicates} twice), latency p50 ${row.latencyP50Ms} ms p99 ${row.latencyP99Ms} ms`,
      );
      rows.push(row);
    } finally {
      await bus?.stop();
      await db.close();
      await dropDatabase(o.adminUrl, name);
      if (kind === 'nats') {
        const nc = await connect({ servers: o.natsUrl });
        await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
        await nc.close();
      }
    }
  }
  return rows;
}
