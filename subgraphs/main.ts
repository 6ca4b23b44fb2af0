/**
 * Process entry for one subgraph (`npm run start:subgraph -- <name>`): reads
 * the configuration, starts the subgraph, stops cleanly on SIGTERM/SIGINT, and
 * turns bad configuration into one clear line and exit code 1.
 */
import { loadKeys } from './kit/auth.ts';
import { systemClock } from './kit/clock.ts';
import { ConfigError, SUBGRAPH_NAMES, loadConfig, type SubgraphName } from './kit/config.ts';
import { createLogger } from './kit/log.ts';
import { startSubgraph } from './kit/runtime.ts';

/** Print one line and exit: the way every entry point reports a failure to start. */
export function fatal(what: string, err: unknown): never {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  let msg = err instanceof ConfigError ? err.message : (e.message ?? String(err));
  if (e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg)) msg = 'cannot reach the database (connection refused)';
  else if (e.code === 'ENOTFOUND' || /ENOTFOUND|EAI_AGAIN/.test(msg)) msg = 'cannot reach the database (unknown host)';
  else if (e.code === '3D000') msg = `the database does not exist (${msg})`;
  else if (e.code === '28P01' || e.code === '28000') msg = `the database refused the credentials (${msg})`;
  else if (e.code === 'CONNECT_TIMEOUT') msg = 'cannot reach the database (connection timed out)';
  process.stderr.write(`${what} failed to start: ${msg.split('\n')[0]}\n`);
  process.exit(1);
}

export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: shutting down\n`);
    // in-flight work gets this long to finish; then the process goes anyway
    setTimeout(() => {
      process.stderr.write('shutdown took too long; exiting\n');
      process.exit(1);
    }, Number(process.env.SHUTDOWN_TIMEOUT_MS) || 10_000).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

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
