/**
 * The whole graph in one process: the five subgraphs (each on its own port,
 * real HTTP) and the gateway, sharing one event bus and, without a database
 * URL, one PGlite database. `npm start` and the tests both use it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { AuthVerifier, type AuthKeys } from './platform/auth.ts';
import type { Clock } from './platform/clock.ts';
import { ConfigError, SUBGRAPH_NAMES, type Config, type SubgraphName } from './platform/config.ts';
import { loadPglite, openDatabase, type Database } from './platform/db.ts';
import { createEventBus, type EventBus } from './platform/events/bus.ts';
import type { Logger } from './platform/log.ts';
import { runMigrations } from './platform/migrate.ts';
import { startSubgraph, type RunningSubgraph } from './subgraphs/runtime.ts';
import { startGateway, type RunningGateway } from './gateway/server.ts';

export interface StackOptions {
  config: Config;
  keys: AuthKeys;
  clock: Clock;
  log: Logger;
  /** Gateway port (0: any free); subgraph ports from `subgraphPorts` or config. */
  port: number;
  subgraphPorts?: Partial<Record<SubgraphName, number>>;
  /** An in-memory PGlite (tests) instead of one under DATA_DIR. */
  pglite?: PGlite;
  secret?: string;
  /** Where the gateway reads its security settings (default process.env). */
  env?: Record<string, string | undefined>;
  /** The gateway's metrics port, overriding METRICS_PORT (0: any free port; null: none). */
  metricsPort?: number | null;
}

export interface Stack {
  gateway: RunningGateway;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  bus: EventBus;
  eventsDb: Database;
  secret: string;
  urls: Record<SubgraphName, string>;
  /** Stop one subgraph (the rest keep running), e.g. to test partial results. */
  stopSubgraph(name: SubgraphName): Promise<void>;
  /** Start a stopped subgraph again on the same port, as the stack first did. */
  startSubgraph(name: SubgraphName): Promise<RunningSubgraph>;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const { config } = opts;
  const secret = opts.secret ?? config.subgraphSecret ?? crypto.randomBytes(24).toString('base64url');
  const embedded = !config.databaseUrl;
  if (embedded && config.eventBus === 'nats')
    throw new ConfigError('EVENT_BUS=nats needs PostgreSQL (DATABASE_URL): the embedded database runs the PostgreSQL bus only');
  let pglite = opts.pglite;
  let ownPglite: PGlite | undefined;
  if (embedded && !pglite) {
    // one PGlite for the whole process, kept under DATA_DIR
    const dir = path.join(config.dataDir, 'pgdata');
    fs.mkdirSync(dir, { recursive: true });
    const { PGlite } = await loadPglite();
    ownPglite = new PGlite(dir);
    await ownPglite.waitReady;
    pglite = ownPglite;
  }
  const eventsDb = await openDatabase({ name: 'events', url: config.eventsDatabaseUrl, pglite, max: 3, prepared: config.databasePrepared });
  await runMigrations(eventsDb, 'kit', config.eventsDatabaseUrl);
  const bus = createEventBus(config, eventsDb, { log: opts.log });
  try {
    await bus.start();
  } catch (err) {
    await eventsDb.close();
    await ownPglite?.close();
    throw err;
  }
  // events published straight into the event database (tests do) reach the bus too
  const detachEvents = await bus.attach(eventsDb, 'events');

  // Ports first (0 means: pick a free one, known only after listening), so
  // start in dependency order and tell each subgraph where the others are.
  const urls = { ...config.subgraphUrls };
  const subgraphOptions = (port: number) => ({ config, keys: opts.keys, secret, clock: opts.clock, log: opts.log, port, pglite, bus, urls });
  const stopped = new Set<SubgraphName>();
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  try {
    for (const name of SUBGRAPH_NAMES) {
      const port = opts.subgraphPorts?.[name] ?? config.ports[name];
      const running = await startSubgraph(name, subgraphOptions(port));
      subgraphs[name] = running;
      urls[name] = running.url;
    }
  } catch (err) {
    for (const s of Object.values(subgraphs).reverse()) await s.stop().catch(() => {});
    await detachEvents();
    await bus.stop();
    await eventsDb.close();
    await ownPglite?.close();
    throw err;
  }
  const verifier = new AuthVerifier(opts.keys, config.accessTokenTtlS);
  await verifier.attach(bus);
  const gateway = await startGateway({
    port: opts.port,
    host: config.host,
    production: config.production,
    urls,
    secret,
    verifier,
    log: opts.log.child({ service: 'gateway' }),
    env: opts.env,
    bus,
    metricsPort: opts.metricsPort,
  });
  return {
    gateway,
    subgraphs,
    bus,
    eventsDb,
    secret,
    urls,
    async stopSubgraph(name) {
      if (stopped.has(name)) return;
      stopped.add(name);
      await subgraphs[name].stop();
    },
    async startSubgraph(name) {
      if (!stopped.has(name)) return subgraphs[name];
      subgraphs[name] = await startSubgraph(name, subgraphOptions(subgraphs[name].port));
      stopped.delete(name);
      return subgraphs[name];
    },
    async stop() {
      await gateway.close();
      verifier.detach();
      for (const name of [...SUBGRAPH_NAMES].reverse()) if (!stopped.has(name)) await subgraphs[name].stop();
      await detachEvents();
      await bus.stop();
      await eventsDb.close();
      await ownPglite?.close();
    },
  };
}
