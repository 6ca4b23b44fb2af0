/**
 * The subgraph server factory: one node:http server per subgraph serving
 *
 * - `POST /graphql`: the subgraph schema (Apollo Server + buildSubgraphSchema);
 * - `ws /graphql`: graphql-ws (`graphql-transport-ws`) for its subscriptions;
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
import { GraphQLError, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { tokenReasonPlugin, tokenRefused, TOKEN_REASONS, type AuthVerifier, type TokenReason, type Viewer } from './auth.ts';
import { PUBLIC_ERROR_CODES } from './errors.ts';
import { documentCache, sharedSubscribe } from './subscriptions/fanout.ts';
import { BodyTooLarge, listen, readBody, runApollo, sendJson } from './http.ts';
import type { Logger } from './log.ts';
import type { RequestContext } from './context.ts';
import type { SubgraphDefinition } from './subgraph.ts';
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER, SECRET_HEADER, TOKEN_REFUSED_HEADER } from './protocol.ts';
import { SubscriptionGroups } from './subscriptions/groups.ts';
import { batchNextFrames, NEXT_BATCH_HEADER } from './subscriptions/next-batch.ts';
import { checkTextInput } from './text-input.ts';
import { positionFrame, POSITIONS_HEADER, startPositionOf } from './subscriptions/positions.ts';

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
  /** Subscriptions graphql-ws runs (a group of subscriptions, groups.ts, counts once). */
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

/**
 * Coalesce bursts of small writes to one socket: a subscription event
 * reaching N subscribers over the gateway's one multiplexed connection is N
 * frames, each otherwise its own write (a system call and a TCP segment).
 * Call the returned function before each write: the socket is corked, and
 * flushed after `maxWrites` writes (so a long burst still streams to the
 * gateway while it is being produced) or once the promise jobs now queued
 * have run (`process.nextTick`: a fan-out resolves its subscribers in one
 * such cascade). Not later: graphql-ws awaits each write's callback before
 * it sends the same subscription's next event, so waiting for the next
 * event-loop turn would cap one subscription at one event per turn. 16, not
 * more: in bench/ a batch of 128 held back the first frames of a fan-out to
 * 1,000 subscribers long enough to show in their latency.
 */
export function coalesceWrites(socket: { cork(): void; uncork(): void; destroyed?: boolean }, maxWrites = 16): () => void {
  let pending = 0;
  let scheduled = false;
  const flush = () => {
    if (pending === 0) return;
    pending = 0;
    if (!socket.destroyed) socket.uncork();
  };
  const endOfTurn = () => {
    scheduled = false;
    flush();
  };
  return () => {
    if (pending >= maxWrites) flush();
    if (pending++ === 0) socket.cork();
    if (!scheduled) {
      scheduled = true;
      process.nextTick(endOfTurn);
    }
  };
}

function isPublic(code: unknown): code is string {
  return typeof code === 'string' && PUBLIC_ERROR_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR';
}

/** Mask anything that is not one of our documented codes; never a stack trace. An UNAUTHENTICATED error keeps its token `reason`. */
export function maskError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (isPublic(code)) {
    const reason = formatted.extensions?.reason;
    const extensions = code === 'UNAUTHENTICATED' && TOKEN_REASONS.includes(reason as TokenReason) ? { code, reason } : { code };
    // subgraphs serve the gateway, which validates against the supergraph: their own "Did you mean …"
    // suggestions would only tell a direct caller the schema's names
    return { message: formatted.message.replace(/\s*Did you mean\b[^?]*\?/g, ''), path: formatted.path, locations: formatted.locations, extensions };
  }
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Logs the errors `maskError` hides, with the request's logger (it carries the request id). */
function logHidden(log: Logger, errors: readonly GraphQLError[]): void {
  for (const e of errors) {
    if (isPublic(e.extensions?.code)) continue;
    log.error('resolver error', { err: e.originalError ?? e, path: e.path });
  }
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

  // graphql-ws on the same port, behind the same secret. The gateway
  // multiplexes many viewers over one connection, so each subscribe message
  // carries its own `extensions.authorization`.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/graphql' || !secretMatches(expectedSecret, req.headers[SECRET_HEADER])) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (req.headers[POSITIONS_HEADER] === '1') positionSockets.add(ws);
      const cork = coalesceWrites(socket as import('node:net').Socket);
      const send = ws.send.bind(ws) as (...args: unknown[]) => void;
      const corked = (data: string, cb?: (err?: Error) => void) => {
        cork();
        send(data, cb);
      };
      if (req.headers[NEXT_BATCH_HEADER] !== '1') {
        ws.send = corked as typeof ws.send;
        wss.emit('connection', ws, req);
        return;
      }
      // the gateway: one frame per answer shared by many subscriptions (next-batch.ts), and the
      // subscriptions of one user's sessions that answer alike run as one (groups.ts)
      let toGraphqlWs: ((data: string) => void)[] = [];
      const groups = new SubscriptionGroups({
        out: batchNextFrames(corked),
        deliver: (text) => {
          for (const listener of toGraphqlWs) listener.call(ws, text);
        },
        verify: (authorization) => opts.verifier.verify(authorization),
        onRevoke: (listener) => opts.verifier.onRevoke(listener),
        close: (code, reason) => ws.close(code, reason),
        parse: (query) => documents.parse(query),
        positions: positionSockets.has(ws),
      });
      ws.send = ((data: string, cb?: (err?: Error) => void) => groups.outgoing(data, cb)) as typeof ws.send;
      socketGroups.set(ws, groups);
      wss.emit('connection', ws, req);
      // graphql-ws listened in 'connection': its listener now hears the socket through the groups
      toGraphqlWs = ws.listeners('message') as ((data: string) => void)[];
      ws.removeAllListeners('message');
      ws.on('message', (data) => groups.incoming(String(data)));
      ws.once('close', () => groups.dispose());
    });
  });
  const socketGroups = new WeakMap<object, SubscriptionGroups>();
  /** Connections that asked for position frames (positions.ts). */
  const positionSockets = new WeakSet<object>();
  type Extra = { viewers?: Map<string, RequestContext> };
  const documents = documentCache();
  /** The subscription's document, or undefined when it does not parse (graphql-ws answers that itself). */
  const parsedOrUndefined = (query: string): DocumentNode | undefined => {
    try {
      return documents.parse(query);
    } catch {
      return undefined;
    }
  };
  /** graphql-ws's connection contexts, for `executions()`. */
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();
  useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      // each distinct document parsed and validated once; an event's execution shared by the subscribers it would answer alike
      parse: documents.parse,
      validate: documents.validate,
      subscribe: sharedSubscribe(),
      connectionInitWaitTimeout: 5_000,
      onConnect: (ctx) => {
        connections.add(ctx);
        return true;
      },
      onClose: (ctx) => {
        connections.delete(ctx);
      },
      onSubscribe: async (ctx, id, payload) => {
        const auth = (payload.extensions?.authorization as string | undefined) ?? (ctx.connectionParams?.authorization as string | undefined);
        try {
          const nul = checkTextInput(parsedOrUndefined(payload.query), payload.variables, 'ws');
          if (nul) return [nul];
          const requestId = (payload.extensions?.requestId as string) || crypto.randomUUID();
          // a group's subscription runs as its members' user, already verified (groups.ts)
          const grouped = socketGroups.get(ctx.extra.socket)?.viewerOf(id);
          const refused = grouped ? undefined : await opts.verifier.authenticate(auth);
          if (refused?.reason) return [tokenRefused(refused.reason, refused.message ?? 'The access token is invalid.')];
          const base = contextOf(grouped ?? refused?.viewer ?? null, requestId);
          if (!base.viewer) return [new GraphQLError('Sign in to subscribe.', { extensions: { code: 'UNAUTHENTICATED' } })];
          (ctx.extra.viewers ??= new Map()).set(id, base);
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          opts.log.error('subscription setup failed', { err, requestId: payload.extensions?.requestId });
          return [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
        }
      },
      context: (ctx, id) => ctx.extra.viewers?.get(id) ?? {},
      // where the subscription starts, before its first event (positions.ts); graphql-ws
      // pulls the first event only after this returns
      onOperation: (ctx, id, _payload, _args, result) => {
        const socket = ctx.extra.socket;
        if (!positionSockets.has(socket) || !(id in ctx.subscriptions)) return;
        const position = startPositionOf(result);
        if (position === undefined) return;
        const groups = socketGroups.get(socket);
        if (groups) groups.position(id, String(position));
        else socket.send(positionFrame(id, String(position)));
      },
      onComplete: (ctx, id) => {
        ctx.extra.viewers?.delete(id);
      },
      onError: (ctx, id, _payload, errors) => {
        logHidden(ctx.extra.viewers?.get(id)?.log ?? opts.log, errors);
        return errors.map((e) => maskError(e.toJSON()));
      },
    },
    wss,
  );

  const port = await listen(server, opts.port, opts.host, `${opts.name} subgraph`);
  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    sockets: () => wss.clients.size,
    executions: () => {
      let n = 0;
      for (const c of connections) n += Object.keys(c.subscriptions).length;
      return n;
    },
    async close() {
      // stop accepting, let requests in flight finish (at most 10 s), then drop what is left
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const ws of wss.clients) ws.close(1001, 'Going away');
      await new Promise<void>((r) => wss.close(() => r()));
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
