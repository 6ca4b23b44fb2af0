/**
 * What every entry point (`npm start`, the gateway alone, a subgraph alone)
 * does the same way: report a failure to start in one line and exit 1, and
 * stop cleanly on SIGTERM/SIGINT, giving work in flight SHUTDOWN_TIMEOUT_MS.
 */
import { ConfigError } from './config.ts';

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
    setTimeout(
      () => {
        process.stderr.write('shutdown took too long; exiting\n');
        process.exit(1);
      },
      Number(process.env.SHUTDOWN_TIMEOUT_MS) || 10_000,
    ).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
