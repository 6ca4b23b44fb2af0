/**
 * Process entry for one subgraph (`npm run start:subgraph -- <name>`): reads
 * the configuration, starts the subgraph, stops cleanly on SIGTERM/SIGINT, and
 * turns bad configuration into one clear line and exit code 1.
 */
import { loadKeys } from '../platform/auth.ts';
import { systemClock } from '../platform/clock.ts';
import { ConfigError, SUBGRAPH_NAMES, loadConfig, type SubgraphName } from '../platform/config.ts';
import { createLogger } from '../platform/log.ts';
import { fatal, onShutdown } from '../platform/process.ts';
import { startSubgraph } from './runtime.ts';

export async function runSubgraphMain(name: string | undefined): Promise<void> {
  if (!name || !(SUBGRAPH_NAMES as readonly string[]).includes(name)) {
    process.stderr.write(`usage: npm run start:subgraph -- <${SUBGRAPH_NAMES.join('|')}>\n`);
    process.exit(2);
  }
  try {
    const config = loadConfig();
    if (!config.subgraphSecret) throw new ConfigError('SUBGRAPH_SECRET must be set when a subgraph runs in its own process (the gateway uses the same value)');
    const sub = name as SubgraphName;
    if (!config.subgraphDatabaseUrls[sub] && !config.databaseUrl) {
      throw new ConfigError(
        'DATABASE_URL must be set when a subgraph runs in its own process: the embedded PGlite database belongs to one process (use `npm start` for everything in one)',
      );
    }
    const log = createLogger(config.logLevel, { service: sub });
    const running = await startSubgraph(sub, {
      config,
      keys: loadKeys(config),
      secret: config.subgraphSecret,
      clock: systemClock,
      log,
      port: config.ports[sub],
    });
    onShutdown(() => running.stop());
  } catch (err) {
    fatal(`${name} subgraph`, err);
  }
}
