/**
 * The gateway's subscription endpoint: graphql-ws (`graphql-transport-ws`) on
 * the same port and path as HTTP (`ws://…/graphql`), attached to the HTTP
 * server's `upgrade` event.
 *
 * - Authentication in `connection_init`: `{ "authorization": "Bearer …" }`,
 *   verified with the gateway's AuthVerifier. An expired token closes the
 *   socket with 4401 "Token expired", an invalid one with 4401 "Token
 *   invalid", a revoked session's with 4403 "Session revoked"; without a
 *   token the connection is accepted but every subscribe is refused with
 *   UNAUTHENTICATED.
 * - Every subscribe is parsed, validated against the API schema and planned;
 *   only subscriptions are served here (queries and mutations: BAD_REQUEST).
 * - Limits: connection_init timeout, frame size, subscriptions per
 *   connection, sockets per client address (IPv6 by /64; signed-in, guest and
 *   not-yet-initialised sockets counted apart; 4429 beyond), a bounded queue per
 *   subscription, frames written per turn of the event loop (options.ts, writer.ts).
 * - A revoked session's sockets are closed with 4403, a token's expiry closes
 *   its socket with 4401, and `close()` ends every socket with 1012.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from './graphql.ts';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { AuthVerifier, Revocation, Viewer } from '../../platform/auth.ts';
import type { Logger } from '../../platform/log.ts';
import { SubgraphDataSource } from '../datasource.ts';
import type { Limits } from '../limits.ts';
import type { GatewayContext } from '../context.ts';
import { clientKey } from './client-key.ts';
import { CloseCodes, subscriptionOptions, type SubscriptionOptions } from './options.ts';
import { subscriptionPreparer } from './operation.ts';
import { SubscriptionPlanner, type SubscriptionPlan } from './planner.ts';
import { KeepAlive } from './keepalive.ts';
import { SocketSlots } from './slots.ts';
import { GatewayStream, type StreamDeps } from './stream.ts';
import { UpstreamPool } from './upstream.ts';
import { FrameWriter } from './writer.ts';

export interface SubscriptionServerOptions {
  supergraphSdl: string;
  urls: Record<string, string>;
  secret: string;
  verifier: AuthVerifier;
  log: Logger;
  production: boolean;
  /** The HTTP path's depth/alias/root-field/cost/token limits (security.ts), applied here too. */
  limits?: Limits & { subgraphTimeoutMs?: number };
  /** Overrides of the environment's SUBSCRIPTION_* settings. */
  options?: Partial<SubscriptionOptions>;
  /** Where SUBSCRIPTION_* settings are read from (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface SubscriptionServer {
  /** Attach to the HTTP server: `server.on('upgrade', subscriptions.handleUpgrade)`. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Upstream subscriptions open on subgraphs right now. */
  activeUpstream(): number;
  /** Client subscriptions open right now. */
  activeStreams(): number;
  /** Client sockets open right now. */
  connections(): number;
  readonly options: SubscriptionOptions;
  /** Close every client socket with 1012 and every upstream connection. */
  close(): Promise<void>;
}

interface Connection {
  socket: WebSocket;
  viewer: Viewer | null;
  /** The socket's peer, forwarded to subgraphs as x-client-ip. */
  clientIp?: string;
  streams: Set<GatewayStream>;
  expiry?: NodeJS.Timeout;
}

type Extra = { connection?: Connection };
interface StreamContext {
  id: string;
  plan: SubscriptionPlan;
  gateway: GatewayContext;
  connection: Connection;
  variables: Record<string, unknown>;
  query: string;
}

const refuse = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

export function createSubscriptionServer(o: SubscriptionServerOptions): SubscriptionServer {
  const options = subscriptionOptions(o.options, o.env);
  const planner = new SubscriptionPlanner(o.supergraphSdl);
  const services = Object.fromEntries(
    Object.entries(o.urls).map(([name, url]) => [name, new SubgraphDataSource(name, url, o.secret, { timeoutMs: o.limits?.subgraphTimeoutMs ?? 5_000 })]),
  );
  const pool = new UpstreamPool(o.urls, o.secret);
  const writer = new FrameWriter(options.writesPerTurn);
  const deps: StreamDeps = {
    planner,
    services,
    pool,
    options,
    log: o.log,
    shared: options.deduplicate ? new Map() : undefined,
    writer,
  };
  const prepare = subscriptionPreparer(planner, o.production, o.limits, o.log);
  const connections = new Set<Connection>();
  let streams = 0;

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });

  const offRevoke = o.verifier.onRevoke((r: Revocation) => {
    for (const c of connections) {
      if (!c.viewer) continue;
      const hit = (r.userId === c.viewer.id && !r.sessionIds) || r.sessionIds?.includes(c.viewer.sessionId);
      if (hit) closeConnection(c, CloseCodes.SessionRevoked, 'Session revoked');
    }
  });

  // Closing the socket ends its streams (onClose) without a `complete`, so a
  // graphql-ws client that reconnects re-subscribes them.
  function closeConnection(c: Connection, code: number, reason: string) {
    c.socket.close(code, reason);
  }

  useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: planner.schema,
      connectionInitWaitTimeout: options.initTimeoutMs,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const auth = ctx.connectionParams?.authorization;
        // a refused token closes the socket: 4401 "Token expired" (refresh it) or "Token invalid",
        // 4403 "Session revoked" (sign in again); no token is a guest, who may not subscribe
        const authn = await o.verifier.authenticate(typeof auth === 'string' ? auth : undefined);
        const viewer = authn.viewer;
        if (authn.reason) {
          if (authn.revoked) socket.close(CloseCodes.SessionRevoked, 'Session revoked');
          else socket.close(CloseCodes.TokenExpired, authn.reason === 'TOKEN_EXPIRED' ? 'Token expired' : 'Token invalid');
          return false;
        }
        if (socket.readyState !== socket.OPEN) return false;
        // signed-in and guest sockets count apart (a guest cannot subscribe: guests never lock out the signed-in)
        if (!slots.settle(socket, viewer ? 'signed-in' : 'guest')) {
          socket.close(CloseCodes.TooManySockets, 'Too many connections from this address');
          return false;
        }
        const connection: Connection = { socket, viewer, clientIp: ctx.extra.request.socket.remoteAddress, streams: new Set() };
        // keep neither the credentials nor the upgrade request for the socket's lifetime:
        // the viewer has what is needed (memory per idle connection, bench/RESULTS.md)
        if (ctx.connectionParams) delete (ctx.connectionParams as Record<string, unknown>).authorization;
        (ctx.extra as { request?: unknown }).request = undefined;
        if (viewer) {
          const ms = Math.min(Math.max(viewer.exp * 1000 - Date.now(), 0), 2 ** 31 - 1);
          connection.expiry = setTimeout(() => closeConnection(connection, CloseCodes.TokenExpired, 'Token expired'), ms);
        }
        ctx.extra.connection = connection;
        connections.add(connection);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = ctx.extra.connection;
        if (!connection?.viewer) return refuse('Sign in to subscribe.', 'UNAUTHENTICATED');
        if (Object.keys(ctx.subscriptions).length > options.maxPerConnection) {
          return refuse(`At most ${options.maxPerConnection} subscriptions per connection.`, 'RATE_LIMITED');
        }
        const prepared = prepare(payload);
        if (Array.isArray(prepared)) return prepared;
        const { document, operationName, variables, plan } = prepared;
        const contextValue: StreamContext = {
          id,
          plan,
          gateway: { viewer: connection.viewer, requestId: crypto.randomUUID(), clientIp: connection.clientIp },
          connection,
          variables,
          query: payload.query,
        };
        return { schema: planner.schema, document, operationName, variableValues: variables, contextValue } satisfies ExecutionArgs;
      },
      subscribe: (args: ExecutionArgs) => {
        const c = args.contextValue as StreamContext;
        const stream = new GatewayStream(
          deps,
          c.plan,
          c.gateway,
          c.variables,
          c.query,
          () => closeConnection(c.connection, CloseCodes.TooSlow, 'Subscriber too slow'),
          () => {
            streams--;
            c.connection.streams.delete(stream);
          },
          { id: c.id, socket: c.connection.socket },
        );
        streams++;
        c.connection.streams.add(stream);
        return stream;
      },
      execute: () => ({ errors: refuse('Only subscriptions are served over the websocket.', 'BAD_REQUEST') }),
      onClose: (ctx) => {
        const c = ctx.extra.connection;
        if (!c) return;
        if (c.expiry) clearTimeout(c.expiry);
        for (const s of c.streams) s.close();
        connections.delete(c);
      },
    },
    wss,
    0, // keep-alive: keepalive.ts, one timer for every socket
  );
  // pings wait while an event's frames wait in the writer (keepalive.ts)
  const keepAlive = new KeepAlive(options.keepAliveMs, { busy: () => writer.pending > 0 });
  wss.on('connection', (ws) => keepAlive.add(ws));
  /** Open sockets per client (the TCP peer's address, IPv6 by /64: client-key.ts) and kind. */
  const slots = new SocketSlots(options.maxSocketsPerClient);
  // one listener for every socket: a closure made in the upgrade callback would keep the
  // socket's upgrade request (headers, raw headers, parser state) for its whole lifetime
  const releaseSlot = function (this: WebSocket) {
    slots.release(this);
  };

  return {
    options,
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/graphql') {
        socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        socket.destroy();
        return;
      }
      const client = clientKey(req.socket.remoteAddress);
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (!slots.open(ws, client)) {
          ws.close(CloseCodes.TooManySockets, 'Too many connections from this address');
          return;
        }
        ws.on('close', releaseSlot); // emitted once
        wss.emit('connection', ws, req);
      });
    },
    activeUpstream: () => pool.activeCount(),
    activeStreams: () => streams,
    connections: () => wss.clients.size,
    async close() {
      offRevoke();
      keepAlive.close();
      const sockets = [...wss.clients];
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              const timer = setTimeout(() => {
                ws.terminate();
                resolve();
              }, 1_000);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.close(CloseCodes.ServiceRestart, 'Service restart');
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await pool.close();
    },
  };
}
