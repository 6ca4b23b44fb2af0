/**
 * Structured JSON logs, one line per entry, on stdout (LOG_LEVEL, default
 * `info`; `silent` under tests): the project's `Logger` over pino.
 *
 * A line is `{"level":"info","time":"<ISO 8601>", ...bindings, ...fields, "msg":"..."}`.
 * An Error passed as `err` (or `error`) is written with pino's error
 * serializer: `{"type","message","stack", ...its own properties, "cause"}`;
 * pass the Error itself (`log.error('…', { err })`), not `String(err)`, or
 * the stack is lost.
 */
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Where log lines go: stdout unless given (tests collect them). */
export type LogSink = (line: string) => void;

/** stdout, written synchronously (a line is out before the process exits), shared by every logger of the process. */
let stdoutDestination: pino.DestinationStream | undefined;
function stdout(): pino.DestinationStream {
  return (stdoutDestination ??= pino.destination({ dest: 1, sync: true }));
}

function adapt(p: pino.Logger): Logger {
  // pino's (fields, msg) order behind the project's (msg, fields)
  return {
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    child: (bindings) => adapt(p.child(bindings)),
  };
}

export function createLogger(level: LogLevel, base: Record<string, unknown> = {}, sink?: LogSink): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: null, // no pid/hostname: the same fields as before
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  const destination = sink ? { write: (line: string) => sink(line) } : level === 'silent' ? { write: () => {} } : stdout();
  const root = pino(options, destination);
  return adapt(Object.keys(base).length ? root.child(base) : root);
}

/**
 * `parent.child(bindings)`, made on first use: a request's logger (with its
 * request id) costs nothing for the many requests that log nothing.
 */
export class LazyChildLogger implements Logger {
  private made?: Logger;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}
  private get log(): Logger {
    return (this.made ??= this.parent.child(this.bindings));
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log.debug(msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log.info(msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log.warn(msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log.error(msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return this.log.child(fields);
  }
}
