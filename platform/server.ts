/**
 * The subgraph server factory: one node:http server per subgraph serving
 *
 * - `POST /graphql` (and `GET`): the subgraph schema (buildSubgraphSchema), run by
 *   graphql-js through the executor (executor.ts: documents parsed and validated
 *   once, Apollo Server's status codes and error codes, no Apollo Server);
 * - `ws /graphql`: graphql-ws (`graphql-transport-ws`) for its subscriptions (subscriptions/server.ts);
 * - `POST /internal/<operation>`: service-to-service JSON calls (see internal.ts);
 * - `GET /health`: 200 `{"status":"ok"}` once started;
 * - `GET /metrics`: the subgraph's own metrics, when it declares some (the users subgraph: its mail queue).
 *
 * Everything but /health requires the gateway-to-subgraph secret in the
 * `x-subgraph-secret` header (401 otherwise), and every request's
 * `Authorization` token is verified again here, so a client that bypasses the
 * gateway gets nothing it could not get through it. A refused token (expired,
 * invalid, revoked) makes the request a guest's: public fields answer, and
 * every UNAUTHENTICATED error carries `extensions.reason` (auth.ts). The
 * gateway never forwards a token it refused: it sends `x-token-refused:
 * <reason>` instead, and the request is a guest's with that reason, unverified.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import { TOKEN_REASONS, type AuthVerifier, type TokenReason, type Viewer } from './auth.ts';
import { createExecutor } from './executor.ts';
import { BodyTooLarge, listen, readBody, sendJson } from './http.ts';
import { LazyChildLogger, type Logger } from './log.ts';
import type { RequestContext } from './context.ts';
import type { SubgraphDefinition } from './subgraph.ts';
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER, SECRET_HEADER, TOKEN_REFUSED_HEADER } from './protocol.ts';
import { subscriptionEndpoint } from './subscriptions/server.ts';

/** What the server needs of a subgraph's definition (subgraph.ts). */
export type SubgraphModule = Pick<SubgraphDefinition, 'typeDefs' | 'resolvers' | 'context' | 'internal' | 'metrics'>;

export interface SubgraphServerOptions {
  name: string;
  port: number;
  host: string;
  secret: string;
  verifier: AuthVerifier;
  log: Logger;
  /** Largest accepted request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface RunningServer {
  port: number;
  url: string;
  /** Open websocket connections. */
  sockets(): number;
  /** Subscriptions graphql-ws runs. */
  executions(): number;
  close(): Promise<void>;
}

/**
 * Whether the header value `given` is the secret (`expected`, its UTF-8
 * bytes), compared in constant time: nothing hashed per request, and a value
 * of another length costs the same compare of the secret with itself.
 */
export function secretMatches(expected: Buffer, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const bytes = Buffer.byteLength(given) === expected.length ? Buffer.from(given) : undefined;
  return crypto.timingSafeEqual(expected, bytes ?? expected) && bytes !== undefined;
}

/** The path and query string of a request target: the hot `/graphql` without a `new URL`, anything else as URL reads it. */
function target(raw = '/'): { path: string; search: string } {
  if (raw === '/graphql') return { path: raw, search: '' };
  if (raw.startsWith('/graphql?')) return { path: '/graphql', search: raw.slice('/graphql'.length) };
  const url = new URL(raw, 'http://localhost');
  return { path: url.pathname, search: url.search };
}

export async function startSubgraphServer(module: SubgraphModule, opts: SubgraphServerOptions): Promise<RunningServer> {
  const schema = buildSubgraphSchema({ typeDefs: module.typeDefs, resolvers: module.resolvers });
  const executor = createExecutor<RequestContext>(schema);
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const expectedSecret = Buffer.from(opts.secret);

  const contextOf = (viewer: Viewer | null, requestId: string, clientIp?: string, tokenReason?: TokenReason): RequestContext =>
    module.context({
      viewer,
      requestId,
      log: new LazyChildLogger(opts.log, { requestId }),
      ...(clientIp ? { clientIp } : {}),
      ...(tokenReason ? { tokenReason } : {}),
    });
  // a refused token makes a guest with the reason (not a failed request); the gateway, behind
  // the secret, sends the reason it refused a token for instead of the token: a guest at once
  const contextFor = async (authorization: string | undefined, requestId: string, clientIp?: string, refused?: string): Promise<RequestContext> => {
    if (refused !== undefined)
      return contextOf(null, requestId, clientIp, TOKEN_REASONS.includes(refused as TokenReason) ? (refused as TokenReason) : 'TOKEN_INVALID');
    const auth = await opts.verifier.authenticate(authorization);
    return contextOf(auth.viewer, requestId, clientIp, auth.reason);
  };

  const server = http.createServer(async (req, res) => {
    const { path, search } = target(req.url);
    let requestId: string | undefined;
    try {
      if (req.method === 'GET' && path === '/health') {
        sendJson(res, closing ? 503 : 200, { status: closing ? 'stopping' : 'ok' });
        return;
      }
      if (!secretMatches(expectedSecret, req.headers[SECRET_HEADER])) {
        sendJson(res, 401, { errors: [{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }] });
        return;
      }
      if (req.method === 'GET' && path === '/metrics' && module.metrics) {
        const m = await module.metrics();
        res.writeHead(200, { 'content-type': m.contentType }).end(m.text);
        return;
      }
      requestId = (req.headers[REQUEST_ID_HEADER] as string) || crypto.randomUUID();
      const body = req.method === 'POST' ? await readBody(req, maxBody) : '';
      if (path === '/graphql') {
        const context = async () => {
          try {
            const ip = req.headers[CLIENT_IP_HEADER];
            const refused = req.headers[TOKEN_REFUSED_HEADER];
            return await contextFor(
              req.headers.authorization,
              requestId!,
              typeof ip === 'string' ? ip.trim().slice(0, 64) || undefined : undefined,
              typeof refused === 'string' ? refused : undefined,
            );
          } catch (err) {
            // the answer masks it: log it here
            if (!(err instanceof GraphQLError)) opts.log.error('context creation failed', { err, requestId });
            throw err;
          }
        };
        const answer = await executor.run({ method: req.method ?? 'GET', search, body, contentType: req.headers['content-type'] }, context);
        res.writeHead(answer.status, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(answer.body),
          [REQUEST_ID_HEADER]: requestId,
          ...answer.headers,
        });
        res.end(answer.body);
        return;
      }
      const internal = /^\/internal\/([a-zA-Z]+)$/.exec(path);
      if (internal && req.method === 'POST' && module.internal?.[internal[1]]) {
        let input: unknown;
        try {
          input = body ? JSON.parse(body) : {};
        } catch {
          sendJson(res, 400, { error: 'invalid JSON' });
          return;
        }
        const result = await module.internal[internal[1]](input as never);
        sendJson(res, 200, result ?? null);
        return;
      }
      sendJson(res, 404, { error: 'not found' });
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendJson(res, 413, { errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] });
        return;
      }
      opts.log.error('request failed', { err, path, requestId });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    }
  });
  server.keepAliveTimeout = 65_000;
  // Graceful shutdown: count requests in flight so close() can let them finish.
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    if (closing) res.setHeader('connection', 'close');
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
  });

  // graphql-ws on the same port, behind the same secret (subscriptions/server.ts)
  const subscriptions = subscriptionEndpoint({
    schema,
    verifier: opts.verifier,
    log: opts.log,
    contextOf: (viewer, requestId) => contextOf(viewer, requestId),
  });
  server.on('upgrade', (req, socket, head) => {
    if (target(req.url).path !== '/graphql' || !secretMatches(expectedSecret, req.headers[SECRET_HEADER])) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    subscriptions.handleUpgrade(req, socket, head);
  });

  const port = await listen(server, opts.port, opts.host, `${opts.name} subgraph`);
  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    sockets: () => subscriptions.sockets(),
    executions: () => subscriptions.executions(),
    async close() {
      // stop accepting, let requests in flight finish (at most 10 s), then drop what is left
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await subscriptions.close();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, 10_000).unref();
        });
      }
      server.closeAllConnections();
      await stopped;
    },
  };
}
