/**
 * The subgraph server factory: one node:http server per subgraph serving
 *
 * - `POST /graphql`: the subgraph schema (Apollo Server + buildSubgraphSchema);
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
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import { tokenReasonPlugin, TOKEN_REASONS, type AuthVerifier, type TokenReason, type Viewer } from './auth.ts';
import { logHidden, maskError } from './masking.ts';
import { BodyTooLarge, listen, readBody, runApollo, sendJson } from './http.ts';
import type { Logger } from './log.ts';
import type { RequestContext } from './context.ts';
import type { SubgraphDefinition } from './subgraph.ts';
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER, SECRET_HEADER, TOKEN_REFUSED_HEADER } from './protocol.ts';
import { subscriptionEndpoint } from './subscriptions/server.ts';
import { checkTextInput } from './text-input.ts';

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

/** Whether `given` is the secret whose SHA-256 is `expected` (`secretDigest`), compared in constant time. */
export function secretMatches(expected: Buffer, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  return crypto.timingSafeEqual(expected, secretDigest(given));
}

/** What `secretMatches` compares: hash the server's secret once, not per request. */
function secretDigest(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}

export async function startSubgraphServer(module: SubgraphModule, opts: SubgraphServerOptions): Promise<RunningServer> {
  const schema = buildSubgraphSchema({ typeDefs: module.typeDefs, resolvers: module.resolvers });
  const apollo = new ApolloServer<RequestContext>({
    schema,
    csrfPrevention: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: maskError,
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      // no cache hints here (every answer is per viewer and uncached); left on, it wraps every resolver
      ApolloServerPluginCacheControlDisabled(),
      {
        requestDidStart: async () => ({
          // text input with a NUL byte: INVALID_INPUT before anything runs (text-input.ts)
          didResolveOperation: async ({ document, request }) => {
            const nul = checkTextInput(document, request.variables);
            if (nul) throw nul;
          },
          didEncounterErrors: async ({ errors, contextValue }) => logHidden(contextValue.log ?? opts.log, errors),
        }),
      },
      // a refused token: the UNAUTHENTICATED errors of its (guest) request say why
      tokenReasonPlugin<RequestContext>((ctx) => ctx.tokenReason),
    ],
    // the process's SIGTERM handler drains requests first (Apollo's would stop and re-raise the signal at once)
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const expectedSecret = secretDigest(opts.secret);

  const contextOf = (viewer: Viewer | null, requestId: string, clientIp?: string, tokenReason?: TokenReason): RequestContext =>
    module.context({ viewer, requestId, log: opts.log.child({ requestId }), ...(clientIp ? { clientIp } : {}), ...(tokenReason ? { tokenReason } : {}) });
  // a refused token makes a guest with the reason (not a failed request); the gateway, behind
  // the secret, sends the reason it refused a token for instead of the token: a guest at once
  const contextFor = async (authorization: string | undefined, requestId: string, clientIp?: string, refused?: string): Promise<RequestContext> => {
    if (refused !== undefined)
      return contextOf(null, requestId, clientIp, TOKEN_REASONS.includes(refused as TokenReason) ? (refused as TokenReason) : 'TOKEN_INVALID');
    const auth = await opts.verifier.authenticate(authorization);
    return contextOf(auth.viewer, requestId, clientIp, auth.reason);
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let requestId: string | undefined;
    try {
      if (req.method === 'GET' && url.pathname === '/health') {
        sendJson(res, closing ? 503 : 200, { status: closing ? 'stopping' : 'ok' });
        return;
      }
      if (!secretMatches(expectedSecret, req.headers[SECRET_HEADER])) {
        sendJson(res, 401, { errors: [{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }] });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/metrics' && module.metrics) {
        const m = await module.metrics();
        res.writeHead(200, { 'content-type': m.contentType }).end(m.text);
        return;
      }
      requestId = (req.headers[REQUEST_ID_HEADER] as string) || crypto.randomUUID();
      const body = req.method === 'POST' ? await readBody(req, maxBody) : '';
      if (url.pathname === '/graphql') {
        await runApollo(
          apollo,
          req,
          res,
          body,
          async () => {
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
              // Apollo masks it without telling any plugin: log it here
              if (!(err instanceof GraphQLError)) opts.log.error('context creation failed', { err, requestId });
              throw err;
            }
          },
          { [REQUEST_ID_HEADER]: requestId! },
        );
        return;
      }
      const internal = /^\/internal\/([a-zA-Z]+)$/.exec(url.pathname);
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
      opts.log.error('request failed', { err, path: url.pathname, requestId });
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
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/graphql' || !secretMatches(expectedSecret, req.headers[SECRET_HEADER])) {
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
      await apollo.stop();
    },
  };
}
