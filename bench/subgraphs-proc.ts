/**
 * Child process: the five subgraphs (startSubgraph each, on free ports) with
 * one event bus, on BENCH_DATABASE_URL or an in-memory PGlite, demo seed
 * loaded. No gateway here. Tells the orchestrator the URLs.
 */
import { PGlite } from '@electric-sql/pglite';
import { systemClock } from '../subgraphs/kit/clock.ts';
import { SUBGRAPH_NAMES, loadConfig, type SubgraphName } from '../subgraphs/kit/config.ts';
import { openDatabase } from '../subgraphs/kit/db.ts';
import { EventBus } from '../subgraphs/kit/events.ts';
import { createLogger } from '../subgraphs/kit/log.ts';
import { runMigrations } from '../subgraphs/kit/migrate.ts';
import { startSubgraph, type RunningSubgraph } from '../subgraphs/kit/runtime.ts';
import { onStop, tell } from './lib/proc.ts';

const env = {
  NODE_ENV: 'production',
  SEED: 'demo',
  LOG_LEVEL: 'error',
  DATA_DIR: '/nonexistent-bench-data-dir',
  HOST: '127.0.0.1',
  DATABASE_URL: process.env.BENCH_DATABASE_URL || undefined,
  // the bench sends a few messages quickly; everything else as shipped
  MESSAGE_RATE_PER_MIN: '100000',
};
const config = { ...loadConfig(env), seed: 'demo' as const };
const keys = JSON.parse(process.env.BENCH_KEYS!);
const secret = process.env.BENCH_SECRET!;
const log = createLogger('error');
let pglite: PGlite | undefined;
if (!config.databaseUrl) {
  pglite = new PGlite();
  await pglite.waitReady;
}
const eventsDb = await openDatabase({ name: 'events', url: config.eventsDatabaseUrl, pglite });
await runMigrations(eventsDb, 'kit', config.eventsDatabaseUrl);
const bus = new EventBus(eventsDb, { log });
await bus.start();
const urls = { ...config.subgraphUrls };
const subgraphs: RunningSubgraph[] = [];
for (const name of SUBGRAPH_NAMES) {
  const s = await startSubgraph(name, { config, keys, secret, clock: systemClock, log, port: 0, pglite, bus, urls });
  subgraphs.push(s);
  urls[name as SubgraphName] = s.url;
}
tell({ type: 'ready', urls });
onStop(async () => {
  for (const s of subgraphs.reverse()) await s.stop().catch(() => {});
  await bus.stop();
  await eventsDb.close();
  await pglite?.close();
});
