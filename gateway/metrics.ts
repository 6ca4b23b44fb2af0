/**
 * `GET /metrics` on a port of its own (`METRICS_PORT`, default 9464, bound to
 * `METRICS_HOST`, default 127.0.0.1; `METRICS_PORT=0` turns it off), never on
 * the public port: the gateway's numbers in the Prometheus text format
 * (0.0.4), kept by prom-client (one Registry per gateway):
 *
 * - `gateway_requests_total{operation,outcome}` and
 *   `gateway_request_duration_seconds{operation,outcome}` (histogram);
 *   outcome is `ok`, `partial` (data with errors) or `error`;
 * - `gateway_subgraph_fetch_duration_seconds{subgraph}` (histogram) and
 *   `gateway_subgraph_errors_total{subgraph,kind}` (`timeout`, `unavailable`, `http`);
 * - `gateway_open_websockets`, `gateway_active_subscriptions` (gauges read
 *   from the websocket layer at each scrape);
 * - `gateway_event_bus_lag` (newest event in the log minus what the gateway's
 *   bus has delivered), when the gateway follows the event log;
 * - prom-client's default process and Node.js metrics (`process_*`,
 *   `nodejs_*`: CPU, memory, heap, event loop lag, GC), once per process.
 */
import http from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { envVar, readEnv } from '../platform/env.ts';
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
  const v = readEnv(env, {
    METRICS_PORT: envVar.int(9464, { max: 65535 }),
    METRICS_HOST: envVar.text('127.0.0.1'),
    METRICS_OPERATION_NAMES: envVar.int(100, { max: 10_000 }),
  });
  return { port: v.METRICS_PORT === 0 ? null : v.METRICS_PORT, host: v.METRICS_HOST, operationNames: v.METRICS_OPERATION_NAMES };
}

/** The label value counted for names beyond the bound. */
export const OTHER_OPERATION = 'other';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The process and Node.js metrics (CPU, memory, heap spaces, event loop lag,
 * GC, handles; prom-client's default metrics): one registry per process,
 * however many gateways it runs (the tests run several).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One gateway's metrics. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gateway_requests_total',
    help: 'GraphQL requests by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'GraphQL request latency by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });
  readonly subgraphDuration = new Histogram({
    name: 'gateway_subgraph_fetch_duration_seconds',
    help: 'Latency of fetches to each subgraph.',
    labelNames: ['subgraph'] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });
  readonly subgraphErrors = new Counter({
    name: 'gateway_subgraph_errors_total',
    help: 'Failed fetches to each subgraph by kind (timeout, unavailable, http).',
    labelNames: ['kind', 'subgraph'] as const,
    registers: [this.registry],
  });
  /** The websocket layer's counts, read at each scrape (gateway/server.ts sets it). */
  websocketSource?: () => { websockets: number; subscriptions: number };
  private readonly websockets: Gauge = new Gauge({
    name: 'gateway_open_websockets',
    help: 'Open websocket connections.',
    registers: [this.registry],
    collect: (): void => this.websockets.set(this.websocketSource?.().websockets ?? 0),
  });
  private readonly subscriptions: Gauge = new Gauge({
    name: 'gateway_active_subscriptions',
    help: 'Active GraphQL subscriptions.',
    registers: [this.registry],
    collect: (): void => this.subscriptions.set(this.websocketSource?.().subscriptions ?? 0),
  });
  private followed?: EventBus;
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

  /** The event bus the gateway follows: its lag is reported as `gateway_event_bus_lag`. */
  get bus(): EventBus | undefined {
    return this.followed;
  }
  set bus(bus: EventBus | undefined) {
    if (!bus || this.followed) {
      this.followed = bus ?? this.followed;
      return;
    }
    this.followed = bus;
    const metrics = this;
    new Gauge({
      name: 'gateway_event_bus_lag',
      help: 'Events in the log not yet delivered to this gateway (-1: log unreadable).',
      registers: [this.registry],
      async collect() {
        const followed = metrics.followed!;
        try {
          this.set(Math.max(0, (await followed.head()) - followed.position));
        } catch {
          this.set(-1);
        }
      },
    });
  }

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
    if (error) this.subgraphErrors.inc({ kind: error, subgraph });
  }

  /** The Prometheus text exposition: this gateway's metrics, then the process's. */
  async render(): Promise<string> {
    return (await this.registry.metrics()) + '\n' + (await processMetrics().metrics());
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
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
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.keepAliveTimeout = 65_000;
  return { server, port: await listen(server, port, host, 'gateway metrics') };
}
