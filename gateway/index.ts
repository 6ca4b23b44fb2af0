/**
 * `npm run start:gateway`: the gateway alone, in front of subgraphs reached at
 * `<NAME>_URL`. With DATABASE_URL (or EVENTS_DATABASE_URL) it follows the
 * event log, so revoked sessions are refused here at once; without it,
 * revocation is still enforced by every subgraph.
 */
import { AuthVerifier, loadKeys } from '../platform/auth.ts';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { createEventBus, type EventBus } from '../platform/events/bus.ts';
import type { Database } from '../platform/db.ts';
import { createLogger } from '../platform/log.ts';
import { runMigrations } from '../platform/migrate.ts';
import { fatal, onShutdown } from '../platform/process.ts';
import { startGateway } from './server.ts';

try {
  const config = loadConfig();
  if (!config.subgraphSecret) throw new ConfigError('SUBGRAPH_SECRET must be set (the same value the subgraphs use)');
  const log = createLogger(config.logLevel, { service: 'gateway' });
  const verifier = new AuthVerifier(loadKeys(config), config.accessTokenTtlS);
  let bus: EventBus | undefined;
  let db: Database | undefined;
  if (config.eventBus === 'nats') {
    // JetStream: the gateway reads the stream, no database needed
    bus = createEventBus(config, undefined, { log });
  } else if (config.eventsDatabaseUrl) {
    db = await openDatabase({ name: 'gateway-events', url: config.eventsDatabaseUrl, max: 2, prepared: config.databasePrepared });
    await runMigrations(db, 'kit', config.eventsDatabaseUrl);
    bus = createEventBus(config, db, { log });
  }
  if (bus) {
    await bus.start();
    await verifier.attach(bus);
  }
  const gw = await startGateway({
    port: config.port,
    host: config.host,
    production: config.production,
    urls: config.subgraphUrls,
    secret: config.subgraphSecret,
    verifier,
    log,
    bus,
  });
  log.info('gateway ready', { url: `http://localhost:${gw.port}/graphql`, metrics: gw.metricsUrl ?? 'off' });
  onShutdown(async () => {
    await gw.close();
    await bus?.stop();
    await db?.close();
  });
} catch (err) {
  fatal('gateway', err);
}
