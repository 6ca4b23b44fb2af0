/**
 * `npm start`: the gateway and all five subgraphs in one process, on the
 * embedded PGlite database under DATA_DIR (or on DATABASE_URL when set), with
 * demo data on an empty database unless SEED=none.
 */
import { loadKeys } from './platform/auth.ts';
import { systemClock } from './platform/clock.ts';
import { loadConfig } from './platform/config.ts';
import { createLogger } from './platform/log.ts';
import { fatal, onShutdown } from './platform/process.ts';
import { startStack } from './stack.ts';

try {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const stack = await startStack({ config, keys: loadKeys(config), clock: systemClock, log, port: config.port });
  log.info('marketplace ready', {
    gateway: `http://localhost:${stack.gateway.port}/graphql`,
    metrics: stack.gateway.metricsUrl ?? 'off',
    database: config.databaseUrl ? 'postgresql' : `pglite:${config.dataDir}`,
  });
  onShutdown(() => stack.stop());
} catch (err) {
  fatal('marketplace', err);
}
