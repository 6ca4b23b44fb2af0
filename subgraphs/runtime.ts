/**
 * Starting a subgraph, the same way for `npm start`, `npm run start:subgraph`
 * and the tests: open its database, apply the event log's and its own migrations,
 * attach to the event bus, build the module, listen, then start its
 * background work (event consumers, sweepers).
 */
import type { PGlite } from '@electric-sql/pglite';
import { AuthVerifier, TokenSigner, type AuthKeys } from '../platform/auth.ts';
import type { Clock } from '../platform/clock.ts';
import { ConfigError, databaseUrlFor, type Config, type SubgraphName } from '../platform/config.ts';
import { openDatabase, type Database } from '../platform/db.ts';
import { createEventBus, type EventBus } from '../platform/events/bus.ts';
import { InternalClient } from '../platform/internal.ts';
import type { Logger } from '../platform/log.ts';
import { runMigrations } from '../platform/migrate.ts';
import { startJob, type RunningJob } from '../platform/jobs.ts';
import { startSubgraphServer, type RunningServer } from '../platform/server.ts';
import type { SubgraphDeps, SubgraphFactory } from '../platform/subgraph.ts';

export interface StartOptions {
  config: Config;
  keys: AuthKeys;
  secret: string;
  clock: Clock;
  log: Logger;
  /** Listen port (0: any free port). */
  port: number;
  /** A PGlite shared by the whole process (embedded mode, tests). */
  pglite?: PGlite;
  /** An event bus shared by the whole process; otherwise one is made. */
  bus?: EventBus;
  /** Where the other subgraphs are (defaults to config.subgraphUrls). */
  urls?: Record<SubgraphName, string>;
}

export interface RunningSubgraph {
  name: SubgraphName;
  url: string;
  port: number;
  db: Database;
  bus: EventBus;
  server: RunningServer;
  stop(): Promise<void>;
}

/** The registry: every subgraph's declaration (subgraphs/<name>/subgraph.ts), loaded on demand. */
const factories: Record<SubgraphName, () => Promise<SubgraphFactory>> = {
  users: async () => (await import('./users/subgraph.ts')).createSubgraph,
  catalog: async () => (await import('./catalog/subgraph.ts')).createSubgraph,
  orders: async () => (await import('./orders/subgraph.ts')).createSubgraph,
  messaging: async () => (await import('./messaging/subgraph.ts')).createSubgraph,
  promotions: async () => (await import('./promotions/subgraph.ts')).createSubgraph,
};

export async function startSubgraph(name: SubgraphName, opts: StartOptions): Promise<RunningSubgraph> {
  const log = opts.log.child({ subgraph: name });
  const url = databaseUrlFor(opts.config, name);
  if (opts.config.eventBus === 'nats' && !url)
    throw new ConfigError('EVENT_BUS=nats needs PostgreSQL (DATABASE_URL): the embedded database runs the PostgreSQL bus only');
  if (!url && !opts.pglite) {
    // A process of its own on PGlite only makes sense for a lone subgraph demo.
    log.warn('no DATABASE_URL: using embedded PGlite under DATA_DIR for this one process');
  }
  const db = await openDatabase({
    url,
    dataDir: url ? undefined : opts.config.dataDir,
    name,
    pglite: url ? undefined : opts.pglite,
    max: opts.config.databasePoolMax,
    prepared: opts.config.databasePrepared,
  });
  let ownBus: EventBus | undefined;
  let eventsDb: Database | undefined;
  let detach: (() => Promise<void>) | undefined;
  try {
    await runMigrations(db, 'kit', url);
    await runMigrations(db, name, url);
    let bus = opts.bus;
    if (!bus) {
      const eventsUrl = opts.config.eventsDatabaseUrl;
      if (opts.config.eventBus === 'postgres' && url && eventsUrl && eventsUrl !== url) {
        eventsDb = await openDatabase({ url: eventsUrl, name: `${name}-events`, max: 3, prepared: opts.config.databasePrepared });
        await runMigrations(eventsDb, 'kit', eventsUrl);
      }
      bus = ownBus = createEventBus(opts.config, eventsDb ?? db, { log });
      await ownBus.start();
    }
    // what this subgraph publishes into its database reaches the bus (a relay where needed)
    detach = await bus.attach(db, name);
    const verifier = new AuthVerifier(opts.keys, opts.config.accessTokenTtlS);
    await verifier.attach(bus);
    const deps: SubgraphDeps = {
      name,
      config: opts.config,
      db,
      bus,
      verifier,
      signer: new TokenSigner(opts.keys, opts.config.accessTokenTtlS),
      internal: new InternalClient(opts.urls ?? opts.config.subgraphUrls, opts.secret),
      clock: opts.clock,
      log,
    };
    const instance = await (await factories[name]())(deps);
    if (opts.config.seed === 'demo' && instance.seed) await instance.seed();
    const server = await startSubgraphServer(instance, {
      name,
      port: opts.port,
      host: opts.config.host,
      secret: opts.secret,
      verifier,
      log,
    });
    for (const c of instance.consumers ?? []) bus.consume(c.name, c.topics, db, c.handle);
    const jobs: RunningJob[] = (instance.jobs ?? []).map((job) => startJob(job, log));
    await instance.start?.();
    log.info('subgraph ready', { url: server.url });
    return {
      name,
      url: server.url,
      port: server.port,
      db,
      bus,
      server,
      async stop() {
        await instance.stop?.();
        await Promise.all(jobs.map((j) => j.stop()));
        await bus.removeConsumers(db);
        await server.close();
        verifier.detach();
        await detach?.();
        await ownBus?.stop();
        await eventsDb?.close();
        await db.close();
      },
    };
  } catch (err) {
    await detach?.().catch(() => {});
    await ownBus?.stop().catch(() => {});
    await eventsDb?.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
}
