/**
 * Child process: the five subgraphs (startSubgraph each, on free ports) with
 * one event bus, on BENCH_DATABASE_URL or an in-memory PGlite, demo seed
 * loaded. No gateway here. Tells the orchestrator the URLs.
 * With BENCH_SUBGRAPH_PROCESSES (PostgreSQL only): a supervisor of five
 * processes of this script, one subgraph each (BENCH_ONE), as docker-compose
 * deploys them.
 */
import net from 'node:net';
import path from 'node:path';
import v8 from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { systemClock } from '../platform/clock.ts';
import { SUBGRAPH_NAMES, loadConfig, type SubgraphName } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { createEventBus } from '../platform/events/bus.ts';
import { createLogger } from '../platform/log.ts';
import { runMigrations } from '../platform/migrate.ts';
import { startSubgraph, type RunningSubgraph } from '../subgraphs/runtime.ts';
import { onStop, startChild, tell, type Child } from './lib/proc.ts';
import { startSmtpSink } from './lib/smtp-sink.ts';

// production settings require an SMTP server (the users subgraph's mail): one sink, started by the
// top process and inherited by the five subgraph processes through the environment
const sink = process.env.BENCH_SMTP_URL ? undefined : await startSmtpSink();
if (sink) process.env.BENCH_SMTP_URL = sink.url;

const env = {
  NODE_ENV: 'production',
  SEED: 'demo',
  LOG_LEVEL: 'error',
  DATA_DIR: '/nonexistent-bench-data-dir',
  HOST: '127.0.0.1',
  DATABASE_URL: process.env.BENCH_DATABASE_URL || undefined,
  // the bench sends a few messages quickly; everything else as shipped
  MESSAGE_RATE_PER_MIN: '100000',
  // the fan-out on each bus (run.ts --fanout-buses): postgres unless told
  EVENT_BUS: process.env.BENCH_EVENT_BUS || 'postgres',
  NATS_URL: process.env.NATS_URL,
  NATS_STREAM: process.env.BENCH_NATS_STREAM || undefined,
  SMTP_URL: process.env.BENCH_SMTP_URL,
};
const config = { ...loadConfig(env), seed: 'demo' as const };
const keys = JSON.parse(process.env.BENCH_KEYS!);
const secret = process.env.BENCH_SECRET!;
const log = createLogger('error');
let pglite: PGlite | undefined;
const stops: (() => Promise<void>)[] = [];
const one = process.env.BENCH_ONE as SubgraphName | undefined;
if (process.env.BENCH_SUBGRAPH_PROCESSES && config.databaseUrl && !one) {
  // Five processes, one subgraph each, as deployed with docker-compose: this one only supervises.
  const ports = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (n) => [n, await freePort()] as const))) as Record<SubgraphName, number>;
  const children: Child[] = [];
  // --cpu-prof: a whole-run profile of each subgraph process, in a folder of its own
  const profDir = process.execArgv.find((a) => a.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
  for (const name of SUBGRAPH_NAMES) {
    // one after another: each runs the shared migrations of the event log
    const c = startChild('subgraphs-proc.ts', { BENCH_ONE: name, BENCH_PORTS: JSON.stringify(ports) }, profDir ? { cpuProf: path.join(profDir, name) } : {});
    children.push(c);
    await c.next('ready', 120_000);
  }
  stops.push(async () => {
    for (const c of children.reverse()) await c.stop().catch(() => {});
  });
  // the soak (bench/soak.ts): each subgraph process's memory, and a heap snapshot of one
  const byName = new Map(SUBGRAPH_NAMES.map((n, i) => [n, children[i]]));
  process.on('message', async (m: any) => {
    if (m?.type === 'mem-subgraphs') {
      const procs: Record<string, unknown> = {};
      for (const [name, c] of byName) {
        c.send({ type: 'mem', gc: m.gc });
        procs[name] = { pid: c.pid, ...(await c.next('mem', 60_000)).memory };
      }
      tell({ type: 'mem-subgraphs', procs });
    }
    // pages-cpu.ts --profile: a CPU profile of a window in each subgraph process, <dir>/<name>.cpuprofile
    if (m?.type === 'profile-subgraphs-start') {
      for (const c of byName.values()) await c.startProfile();
      tell({ type: 'profile-subgraphs-started' });
    }
    if (m?.type === 'profile-subgraphs-stop') {
      for (const [name, c] of byName) await c.stopProfile(path.join(m.dir, `${name}.cpuprofile`));
      tell({ type: 'profile-subgraphs-stopped' });
    }
    if (m?.type === 'snapshot-subgraph') {
      const c = byName.get(m.name)!;
      c.send({ type: 'snapshot', file: m.file });
      tell({ type: 'snapshot-subgraph', file: (await c.next('snapshot', 300_000)).file });
    }
  });
  tell({ type: 'ready', urls: urlsAt(ports) });
} else if (one) {
  const ports = JSON.parse(process.env.BENCH_PORTS!) as Record<SubgraphName, number>;
  const s = await startSubgraph(one, { config, keys, secret, clock: systemClock, log, port: ports[one], urls: urlsAt(ports) });
  stops.push(() => s.stop());
  tell({ type: 'ready', urls: urlsAt(ports) });
} else {
  if (!config.databaseUrl) {
    pglite = new PGlite();
    await pglite.waitReady;
  }
  const eventsDb = await openDatabase({ name: 'events', url: config.eventsDatabaseUrl, pglite });
  await runMigrations(eventsDb, 'kit', config.eventsDatabaseUrl);
  const bus = createEventBus(config, eventsDb, { log });
  await bus.start();
  const urls = { ...config.subgraphUrls };
  const subgraphs: RunningSubgraph[] = [];
  for (const name of SUBGRAPH_NAMES) {
    const s = await startSubgraph(name, { config, keys, secret, clock: systemClock, log, port: 0, pglite, bus, urls });
    subgraphs.push(s);
    urls[name as SubgraphName] = s.url;
  }
  stops.push(async () => {
    for (const s of subgraphs.reverse()) await s.stop().catch(() => {});
    await bus.stop();
    await eventsDb.close();
    await pglite?.close();
  });
  // the soak (bench/soak.ts): all five subgraphs are this one process
  process.on('message', (m: any) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (m?.type === 'mem-subgraphs') {
      if (m.gc) {
        gc?.();
        gc?.();
      }
      tell({ type: 'mem-subgraphs', procs: { subgraphs: { pid: process.pid, ...process.memoryUsage() } } });
    }
    if (m?.type === 'snapshot-subgraph') {
      gc?.();
      tell({ type: 'snapshot-subgraph', file: v8.writeHeapSnapshot(m.file) });
    }
  });
  tell({ type: 'ready', urls });
}
onStop(async () => {
  for (const stop of stops) await stop();
  await sink?.close();
});

function urlsAt(ports: Record<SubgraphName, number>): Record<SubgraphName, string> {
  return Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, `http://127.0.0.1:${ports[n]}/graphql`])) as Record<SubgraphName, string>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
