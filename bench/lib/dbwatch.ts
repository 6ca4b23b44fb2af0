/**
 * Watching PostgreSQL while the fan-out's messages are sent (on PostgreSQL
 * only), to tell a stall of the database from one of the system:
 *
 * - `probe()`: every `everyMs` (200), a transaction that commits an xid
 *   (`select txid_current()`: a commit record written and flushed, as any
 *   write's commit is), on a connection of its own. A stall of the database
 *   or its disk shows in these times whatever the system is doing.
 * - `watch(fn)`: runs a request; if it has not answered after `afterMs`
 *   (300), looks once at the database's backends (on another connection):
 *   each non-idle one's state, what it waits on, its transaction's age and
 *   statement, and the WAL writer's and checkpointer's waits. A request
 *   stalled inside PostgreSQL shows as a backend waiting (Lock, IO); one
 *   stalled in the subgraph between statements as `idle in transaction`;
 *   one stalled outside a transaction (a process busy, the network) as none.
 */
import postgres from 'postgres';

export interface ProbeSummary {
  samples: number;
  p50Ms: number | null;
  maxMs: number | null;
}

/**
 * Time `request` every `everyMs` (one at a time) until the returned function
 * is called; failed requests are not timed. Its summary: samples, median, slowest.
 */
export function probe(request: () => Promise<unknown>, everyMs: number): () => Promise<ProbeSummary> {
  const times: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      try {
        await request();
        times.push(performance.now() - t);
      } catch {
        /* down for a moment (a restart): nothing to time */
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    times.sort((a, b) => a - b);
    const ms = (x: number | undefined) => (x === undefined ? null : +x.toFixed(1));
    return { samples: times.length, p50Ms: ms(times[times.length >> 1]), maxMs: ms(times.at(-1)) };
  };
}

export class DbWatch {
  private readonly probeSql: postgres.Sql;
  private readonly lookSql: postgres.Sql;

  constructor(url: string) {
    this.probeSql = postgres(url, { max: 1, onnotice: () => {} });
    this.lookSql = postgres(url, { max: 1, onnotice: () => {} });
  }

  /** Start probing the commit time; the returned function stops and summarises. */
  probe(everyMs = 200): () => Promise<ProbeSummary> {
    return probe(() => this.probeSql`select txid_current()`, everyMs);
  }

  /** `fn`'s value and time; with what the backends did if it ran past `afterMs`. */
  async watch<T>(fn: () => Promise<T>, afterMs = 300): Promise<{ value: T; ms: number; backends?: string[] }> {
    const t = performance.now();
    let backends: Promise<string[]> | undefined;
    const timer = setTimeout(() => {
      backends = this.look().catch((err) => [`(could not look: ${String(err).slice(0, 100)})`]);
    }, afterMs);
    try {
      const value = await fn();
      return { value, ms: Math.round(performance.now() - t), backends: backends && (await backends) };
    } finally {
      clearTimeout(timer);
    }
  }

  private async look(): Promise<string[]> {
    const rows = await this.lookSql<{ backend_type: string; state: string | null; wait: string | null; xact_ms: number | null; query: string | null }[]>`
      select backend_type, state, wait_event_type || ':' || wait_event as wait,
             round(extract(epoch from clock_timestamp() - xact_start) * 1000)::int as xact_ms,
             left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as query
        from pg_stat_activity
       where (datname = current_database() and pid <> pg_backend_pid() and state <> 'idle')
          or (backend_type in ('walwriter', 'checkpointer', 'background writer') and wait_event_type is distinct from 'Activity')`;
    if (rows.length === 0) return ['(no backend busy or in a transaction)'];
    return rows.map((r) =>
      r.backend_type === 'client backend'
        ? `${r.state}${r.wait ? `, waiting ${r.wait}` : ''}${r.xact_ms !== null ? `, transaction ${r.xact_ms} ms` : ''}: ${r.query}`
        : `${r.backend_type}${r.wait ? ` waiting ${r.wait}` : ''}`,
    );
  }

  async end(): Promise<void> {
    await Promise.all([this.probeSql.end({ timeout: 5 }), this.lookSql.end({ timeout: 5 })]);
  }
}
