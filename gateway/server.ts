/**
 * The gateway, importable by tests (index.ts makes it listen from the
 * environment): Apollo Server + Apollo Gateway on the committed supergraph
 * (schema/supergraph.graphql), with
 *
 * - the viewer's access token verified here and forwarded to subgraphs; a
 *   refused one (expired, invalid, revoked) makes the request a guest's, whose
 *   UNAUTHENTICATED errors carry `extensions.reason` (platform/auth.ts);
 * - the subgraph secret on every subgraph request;
 * - the security settings of security.ts (limits, CSRF prevention, no
 *   batching, error masking, CORS, optional trusted documents);
 * - one request id per request (a sane incoming `x-request-id` is kept),
 *   sent to the subgraphs and back in the `x-request-id` response header;
 * - Apollo Sandbox on `GET /graphql` from a browser outside production;
 * - `GET /health`: 200 `{"status":"ok"}` when every subgraph is ready, 503 otherwise;
 * - `POST /webhooks/stripe`: the payment provider's webhooks, forwarded to orders (webhooks.ts);
 * - `GET /metrics`: Prometheus text (metrics.ts), on a port of its own
 *   (`METRICS_PORT`, default 9464, on `METRICS_HOST`, default 127.0.0.1), not on `port`;
 * - `close()`: stops accepting, lets requests in flight finish, closes websockets with 1012.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AuthVerifier } from '../platform/auth.ts';
import type { SubgraphName } from '../platform/config.ts';
import type { EventBus } from '../platform/events/bus.ts';
import { BodyTooLarge, listen, readBody, runApollo, sendJson } from '../platform/http.ts';
import type { Logger } from '../platform/log.ts';
import { REQUEST_ID_HEADER } from '../platform/protocol.ts';
import { createApollo, SUPERGRAPH_FILE } from './apollo.ts';
import type { GatewayContext } from './context.ts';
import { keepAliveAgents } from './datasource.ts';
import { checkHealth } from './health.ts';
import { GatewayMetrics, loadMetricsSettings, startMetricsServer } from './metrics.ts';
import { corsHeaders, loadSecuritySettings, requestIdFrom, type SecuritySettings } from './security.ts';
import { errorRequestIds } from './errors.ts';
import { createSubscriptionServer, type SubscriptionServer } from './subscriptions/server.ts';
import { applyTrustedDocuments, TrustedDocuments } from './trusted-documents.ts';
import { createWebhooks } from './webhooks.ts';

export { SUPERGRAPH_FILE };

export interface GatewayOptions {
  port: number;
  host: string;
  production: boolean;
  /** Where each subgraph's /graphql is. */
  urls: Record<SubgraphName, string>;
  secret: string;
  verifier: AuthVerifier;
  log: Logger;
  /** Largest request body in bytes (overrides MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /** Where the security settings are read from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Security settings, overriding what `env` gives. */
  security?: Partial<SecuritySettings>;
  /** The gateway's event bus, when it follows the event log (for the lag metric). */
  bus?: EventBus;
  /** How long close() waits for requests in flight (default 10000 ms). */
  drainTimeoutMs?: number;
  /**
   * Where /metrics is served, overriding METRICS_PORT: a port (0: any free
   * one, as for `port`), or null for none.
   */
  metricsPort?: number | null;
}

/** An HTTP route of the gateway (besides /graphql). */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => Promise<void> | void;

export interface RunningGateway {
  port: number;
  url: string;
  server: http.Server;
  /** graphql-ws on /graphql (gateway/subscriptions). */
  subscriptions: SubscriptionServer;
  /** The settings in force (the websocket path applies the same limits). */
  security: SecuritySettings;
  trustedDocuments?: TrustedDocuments;
  metrics: GatewayMetrics;
  /** The metrics server's port (METRICS_PORT), undefined when it is off. */
  metricsPort?: number;
  /** `http://<METRICS_HOST>:<port>/metrics`, undefined when it is off. */
  metricsUrl?: string;
  /** HTTP requests being answered right now. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const security: SecuritySettings = {
    ...loadSecuritySettings(opts.env ?? process.env, opts.production),
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...opts.security,
  };
  const trusted = security.trustedDocuments ? TrustedDocuments.load(security.trustedDocuments) : undefined;
  const metricsSettings = loadMetricsSettings(opts.env ?? process.env);
  const metrics = new GatewayMetrics(metricsSettings.operationNames, trusted?.operationNames());
  metrics.bus = opts.bus;
  const agents = keepAliveAgents();
  const errorIds = errorRequestIds();

  const apollo = createApollo(opts, security, metrics, agents, errorIds);
  await apollo.start();
  const maxBody = security.maxBodyBytes > 0 ? security.maxBodyBytes : Number.MAX_SAFE_INTEGER;
  // payment provider webhooks (POST /webhooks/stripe), forwarded to orders
  const webhooks = createWebhooks({ urls: opts.urls, secret: opts.secret, log: opts.log, maxBodyBytes: maxBody });
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  /**
   * The HTTP routes besides `/graphql`, by `<METHOD> <path>`: a new endpoint is one entry here
   * (its handler in a module of its own), answered with CORS headers, a request id and the
   * access log like every request.
   */
  const routes = new Map<string, Route>([
    [
      'GET /health',
      async (_req, res) => {
        if (closing) return sendJson(res, 503, { status: 'stopping' });
        const h = await checkHealth(opts.urls);
        sendJson(res, h.ok ? 200 : 503, h.body);
      },
    ],
  ]);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, requestId: string) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (closing) res.setHeader('connection', 'close');
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    for (const [k, v] of Object.entries(corsHeaders(security, origin, req.method === 'OPTIONS'))) res.setHeader(k, v);
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      const route = routes.get(`${req.method} ${url.pathname}`);
      if (route) {
        await route(req, res, requestId);
        return;
      }
      if (await webhooks.handle(req, res, url.pathname, requestId)) return;
      if (url.pathname !== '/graphql') {
        sendJson(res, 404, { error: 'not found' });
        return;
      }
      let body = req.method === 'POST' ? await readBody(req, maxBody) : '';
      if (trusted) {
        const refused = applyTrustedDocuments(trusted, req, url, body);
        if ('error' in refused) {
          sendJson(res, 400, { errors: [{ message: refused.error.message, extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
          return;
        }
        body = refused.body;
      }
      await runApollo(
        apollo,
        req,
        res,
        body,
        async () => {
          // a refused token (expired, invalid, revoked) makes a guest with the reason: public fields
          // and the sign-in mutations work, what needs a viewer is UNAUTHENTICATED with `reason`
          const auth = await opts.verifier.authenticate(req.headers.authorization);
          const context: GatewayContext = { viewer: auth.viewer, requestId, clientIp: req.socket.remoteAddress };
          if (auth.reason) context.tokenReason = auth.reason;
          return context;
        },
        { [REQUEST_ID_HEADER]: requestId },
      );
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        sendJson(res, 413, {
          errors: [
            {
              message: `Request body too large: the limit is ${security.maxBodyBytes} bytes (MAX_BODY_BYTES).`,
              extensions: { code: 'BAD_REQUEST', limit: 'MAX_BODY_BYTES' },
            },
          ],
        });
        return;
      }
      opts.log.error('gateway request failed', { err, requestId });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
      else res.end();
    }
  };

  const server = http.createServer((req, res) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const started = process.hrtime.bigint();
    inFlight++;
    res.once('close', () => {
      inFlight--;
      // one access-log line per request (probes at debug level)
      const path = (req.url ?? '/').split('?')[0].slice(0, 200);
      const line = { requestId, method: req.method, path, status: res.statusCode, ms: Number((process.hrtime.bigint() - started) / 1_000_000n) };
      if (path === '/health' || path === '/metrics') opts.log.debug('request', line);
      else opts.log.info('request', line);
      if (closing && inFlight === 0) drained?.();
    });
    void handle(req, res, requestId);
  });
  server.keepAliveTimeout = 65_000;
  const subscriptions = createSubscriptionServer({
    supergraphSdl: fs.readFileSync(SUPERGRAPH_FILE, 'utf8'),
    urls: opts.urls,
    secret: opts.secret,
    verifier: opts.verifier,
    log: opts.log,
    production: opts.production,
    limits: security,
    env: opts.env,
  });
  server.on('upgrade', subscriptions.handleUpgrade);
  metrics.websocketSource = () => ({ websockets: subscriptions.connections(), subscriptions: subscriptions.activeStreams() });
  const port = await listen(server, opts.port, opts.host, 'gateway');
  const metricsPort = opts.metricsPort !== undefined ? opts.metricsPort : metricsSettings.port;
  let metricsServer: { server: http.Server; port: number } | undefined;
  try {
    if (metricsPort !== null) metricsServer = await startMetricsServer(metrics, metricsPort, metricsSettings.host);
  } catch (err) {
    await subscriptions.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await apollo.stop();
    throw err;
  }
  const metricsHost = metricsSettings.host.includes(':') ? `[${metricsSettings.host}]` : metricsSettings.host;
  let closed: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    server,
    subscriptions,
    security,
    trustedDocuments: trusted,
    metrics,
    metricsPort: metricsServer?.port,
    metricsUrl: metricsServer ? `http://${metricsHost}:${metricsServer.port}/metrics` : undefined,
    inFlight: () => inFlight,
    close() {
      closed ??= (async () => {
        // 1. stop accepting; idle keep-alive connections go at once
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // 2. websockets end with 1012 (reconnect elsewhere, resume with `after`)
        await subscriptions.close();
        // 3. requests in flight finish (bounded)
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            drained = resolve;
            setTimeout(resolve, opts.drainTimeoutMs ?? 10_000).unref();
          });
        }
        server.closeAllConnections();
        await stopped;
        if (metricsServer) {
          const m = metricsServer.server;
          const metricsClosed = new Promise<void>((resolve) => m.close(() => resolve()));
          m.closeAllConnections();
          await metricsClosed;
        }
        await apollo.stop();
        agents.http.destroy();
        agents.https.destroy();
      })();
      return closed;
    },
  };
}
