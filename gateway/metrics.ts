/**
 * `GET /metrics` on a port of its own (`METRICS_PORT`, default 9464, bound to
 * `METRICS_HOST`, default 127.0.0.1; `METRICS_PORT=0` turns it off), never on
 * the public port: the gateway's numbers in the Prometheus text format
 * (0.0.4), without a client library:
 *
 * - `gateway_requests_total{operation,outcome}` and
 *   `gateway_request_duration_seconds{operation,outcome}` (histogram);
 *   outcome is `ok`, `partial` (data with errors) or `error`;
 * - `gateway_subgraph_fetch_duration_seconds{subgraph}` (histogram) and
 *   `gateway_subgraph_errors_total{subgraph,kind}` (`timeout`, `unavailable`, `http`);
 * - `gateway_open_websockets`, `gateway_active_subscriptions` (gauges the
 *   websocket layer sets through `websocketOpened()` and friends);
 * - `gateway_event_bus_lag` (newest event in the log minus what the gateway's
 *   bus has delivered), when the gateway follows the event log.
 */
import http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { ConfigError } from '../platform/config.ts';
import type { EventBus } from '../platform/events/bus.ts';
import { listen } from '../platform/http.ts';

export interface MetricsSettings {
  /** METRICS_PORT: where /metrics is served (default 9464); null: not served (METRICS_PORT=0). */
  port: number | null;
  /** METRICS_HOST: the address it listens on (default 127.0.0.1: this machine only). */
  host: string;
  /**
   * METRICS_OPERATION_NAMES: distinct operation names used as label values
   * (default 100); later names are counted as `other`. With TRUSTED_DOCUMENTS
   * the names of the trusted operations are known in advance and always used.
   */
  operationNames: number;
}

/** The metrics settings from the environment. */
export function loadMetricsSettings(env: Record<string, string | undefined> = process.env): MetricsSettings {
  const int = (name: string, def: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new ConfigError(`${name} must be an integer from 0 to ${max}, got "${raw}"`);
    return n;
  };
  const port = int('METRICS_PORT', 9464, 65535);
  return { port: port === 0 ? null : port, host: env.METRICS_HOST || '127.0.0.1', operationNames: int('METRICS_OPERATION_NAMES', 100, 10_000) };
}

/** The label value counted for names beyond the bound. */
export const OTHER_OPERATION = 'other';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) out.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return out;
  }
}

class Histogram {
  readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string) {}
  observe(labels: Labels, seconds: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) s!.buckets[i]++;
    });
    s.sum += seconds;
    s.count++;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : '';
      BUCKETS.forEach((b, i) => out.push(`${this.name}_bucket{${pre}le="${b}"} ${s.buckets[i]}`));
      out.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

class Gauge {
  value = 0;
  constructor(readonly name: string, readonly help: string) {}
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.value}`];
  }
}

/** One gateway's metrics. */
export class GatewayMetrics {
  readonly requests = new Counter('gateway_requests_total', 'GraphQL requests by operation name and outcome.');
  readonly requestDuration = new Histogram('gateway_request_duration_seconds', 'GraphQL request latency by operation name and outcome.');
  readonly subgraphDuration = new Histogram('gateway_subgraph_fetch_duration_seconds', 'Latency of fetches to each subgraph.');
  readonly subgraphErrors = new Counter('gateway_subgraph_errors_total', 'Failed fetches to each subgraph by kind (timeout, unavailable, http).');
  readonly websockets = new Gauge('gateway_open_websockets', 'Open websocket connections.');
  readonly subscriptions = new Gauge('gateway_active_subscriptions', 'Active GraphQL subscriptions.');
  bus?: EventBus;
  /** When set, the websocket gauges are read from it at each scrape (instead of the setters). */
  websocketSource?: () => { websockets: number; subscriptions: number };
  /** Operation names used as label values so far (bounded: `operationLabel`). */
  private readonly operationNames = new Set<string>();

  /**
   * @param maxOperationNames distinct operation names kept as labels; later ones count as `other`
   * @param knownOperationNames names always kept (the trusted documents' operations)
   */
  constructor(
    private readonly maxOperationNames = 100,
    private readonly knownOperationNames: ReadonlySet<string> = new Set(),
  ) {}

  /** The label for an operation name: itself while the bound allows, else `other`. */
  operationLabel(name: string): string {
    if (this.knownOperationNames.has(name) || this.operationNames.has(name)) return name;
    if (this.operationNames.size >= this.maxOperationNames) return OTHER_OPERATION;
    this.operationNames.add(name);
    return name;
  }

  recordRequest(operation: string, outcome: 'ok' | 'partial' | 'error', seconds: number): void {
    const labels = { operation, outcome };
    this.requests.inc(labels);
    this.requestDuration.observe(labels, seconds);
  }

  recordSubgraphFetch(subgraph: string, seconds: number, error?: 'timeout' | 'unavailable' | 'http'): void {
    this.subgraphDuration.observe({ subgraph }, seconds);
    if (error) this.subgraphErrors.inc({ subgraph, kind: error });
  }

  /** The Prometheus text exposition. */
  async render(): Promise<string> {
    if (this.websocketSource) {
      const g = this.websocketSource();
      this.websockets.value = g.websockets;
      this.subscriptions.value = g.subscriptions;
    }
    const lines = [
      ...this.requests.render(),
      ...this.requestDuration.render(),
      ...this.subgraphDuration.render(),
      ...this.subgraphErrors.render(),
      ...this.websockets.render(),
      ...this.subscriptions.render(),
    ];
    if (this.bus) {
      let lag = 0;
      try {
        lag = Math.max(0, (await this.bus.head()) - this.bus.position);
      } catch {
        lag = -1;
      }
      lines.push('# HELP gateway_event_bus_lag Events in the log not yet delivered to this gateway (-1: log unreadable).');
      lines.push('# TYPE gateway_event_bus_lag gauge', `gateway_event_bus_lag ${lag}`);
    }
    return lines.join('\n') + '\n';
  }

  /** Apollo Server plugin counting every GraphQL request by operation and outcome. */
  plugin<C extends object>(): ApolloServerPlugin<C> {
    const metrics = this;
    return {
      async requestDidStart() {
        const start = process.hrtime.bigint();
        return {
          async willSendResponse(rc) {
            const seconds = Number(process.hrtime.bigint() - start) / 1e9;
            const body = rc.response.body;
            const result = body.kind === 'single' ? body.singleResult : body.initialResult;
            const hasErrors = Boolean(result.errors?.length);
            const hasData = result.data !== undefined && result.data !== null;
            const outcome = !hasErrors ? 'ok' : hasData ? 'partial' : 'error';
            // only names of operations that resolved (never a client's free text for a bad request)
            // and at most `maxOperationNames` distinct ones: a client may name its operations freely
            const operation = rc.operation ? (rc.operationName ? metrics.operationLabel(rc.operationName.slice(0, 100)) : 'anonymous') : 'unresolved';
            metrics.recordRequest(operation, outcome, seconds);
          },
        };
      },
    };
  }
}

/**
 * Serves `GET /metrics` of `metrics` on its own port (404 for anything else).
 * Returns the server and the port it listens on.
 */
export async function startMetricsServer(metrics: GatewayMetrics, port: number, host: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.keepAliveTimeout = 65_000;
  return { server, port: await listen(server, port, host, 'gateway metrics') };
}

/** The process's gateway metrics (one gateway per process in production; tests read their own via RunningGateway.metrics). */
let current: GatewayMetrics | undefined;

export function setCurrentMetrics(m: GatewayMetrics): void {
  current = m;
}

/** For the websocket layer: a connection opened / closed. */
export function websocketOpened(m: GatewayMetrics | undefined = current): void {
  if (m) m.websockets.value++;
}
export function websocketClosed(m: GatewayMetrics | undefined = current): void {
  if (m) m.websockets.value = Math.max(0, m.websockets.value - 1);
}
/** For the websocket layer: a subscription started / ended. */
export function subscriptionStarted(m: GatewayMetrics | undefined = current): void {
  if (m) m.subscriptions.value++;
}
export function subscriptionEnded(m: GatewayMetrics | undefined = current): void {
  if (m) m.subscriptions.value = Math.max(0, m.subscriptions.value - 1);
}
/** Set the gauges outright (e.g. from a periodic count). */
export function setWebsocketGauges(open: number, subscriptions: number, m: GatewayMetrics | undefined = current): void {
  if (!m) return;
  m.websockets.value = open;
  m.subscriptions.value = subscriptions;
}
