/**
 * A subgraph's subscriptions: graphql-ws (`graphql-transport-ws`) on the
 * subgraph's `/graphql`, behind the subgraph secret, through graphql-ws's
 * public hooks only.
 *
 * - Who: a subscribe message from the gateway carries the verified identity
 *   it runs as (`extensions.identity`, protocol.ts), trusted behind the
 *   secret; any other carries a token (`extensions.authorization`, else the
 *   connection's `authorization`), verified here. A refused token is answered
 *   with its UNAUTHENTICATED error and reason; no identity at all with
 *   UNAUTHENTICATED: there are no anonymous subscriptions.
 * - Each distinct document is parsed and validated once (documents.ts).
 * - Each subscription runs on its own (subscribe.ts): one context, one event
 *   stream, one execution per event. The gateway already sends one
 *   subscription per audience (gateway/subscriptions/sharing.ts).
 * - A connection that asked for positions (positions.ts) gets each
 *   subscription's start position as its first `next`.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, validate, parse, type GraphQLSchema, type ExecutionArgs } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { tokenRefused, type AuthVerifier, type Viewer } from '../auth.ts';
import type { RequestContext } from '../context.ts';
import type { Logger } from '../log.ts';
import { logHidden, maskError } from '../masking.ts';
import { identityFrom } from '../protocol.ts';
import { checkTextInput } from '../text-input.ts';
import { DocumentCache } from './documents.ts';
import { POSITIONS_HEADER } from './positions.ts';
import { subscribe, withStartPosition } from './subscribe.ts';

export interface SubscriptionEndpointOptions {
  schema: GraphQLSchema;
  verifier: AuthVerifier;
  log: Logger;
  /** The subgraph's context for a viewer (subgraph.ts `context`). */
  contextOf(viewer: Viewer, requestId: string): RequestContext;
}

export interface SubscriptionEndpoint {
  /** Hands an upgraded request (already past the secret check) to graphql-ws. */
  handleUpgrade(req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void;
  /** Open websocket connections. */
  sockets(): number;
  /** Subscriptions running. */
  executions(): number;
  /** Closes every socket with 1001. */
  close(): Promise<void>;
}

const refuse = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

export function subscriptionEndpoint(o: SubscriptionEndpointOptions): SubscriptionEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const documents = new DocumentCache({ parse: (query) => parse(query), validate: (document) => validate(o.schema, document) });
  /** graphql-ws's connection contexts, for `executions()`. */
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();

  /** The viewer a subscribe message runs as: the gateway's verified identity, or its token verified here. */
  const viewerOf = async (extensions: Record<string, unknown> | null | undefined, connectionAuth: unknown): Promise<Viewer | GraphQLError[]> => {
    const identity = identityFrom(extensions);
    // the gateway's audience (sharing.ts): no session of its own, so only the user's revocation ends it here
    if (identity) return { id: identity.userId, roles: identity.roles, sessionId: `audience:${identity.userId}`, token: '', exp: Number.MAX_SAFE_INTEGER };
    const auth = (extensions?.authorization as string | undefined) ?? (connectionAuth as string | undefined);
    const authn = await o.verifier.authenticate(typeof auth === 'string' ? auth : undefined);
    if (authn.reason) return [tokenRefused(authn.reason, authn.message ?? 'The access token is invalid.')];
    if (!authn.viewer) return refuse('Sign in to subscribe.', 'UNAUTHENTICATED');
    return authn.viewer;
  };

  useServer<Record<string, unknown> | undefined, { contexts?: Map<string, RequestContext> }>(
    {
      schema: o.schema,
      subscribe,
      connectionInitWaitTimeout: 5_000,
      onConnect: (ctx) => {
        connections.add(ctx);
        return true;
      },
      onClose: (ctx) => {
        connections.delete(ctx);
      },
      onSubscribe: async (ctx, id, payload) => {
        try {
          let checked;
          try {
            checked = documents.get(payload.query);
          } catch (err) {
            return refuse(err instanceof GraphQLError ? err.message : 'Syntax Error', 'GRAPHQL_PARSE_FAILED');
          }
          if (checked.errors.length)
            return checked.errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
          const nul = checkTextInput(checked.document, payload.variables, 'ws');
          if (nul) return [nul];
          const viewer = await viewerOf(payload.extensions, ctx.connectionParams?.authorization);
          if (Array.isArray(viewer)) return viewer;
          const requestId = (payload.extensions?.requestId as string) || crypto.randomUUID();
          const contextValue = o.contextOf(viewer, requestId);
          (ctx.extra.contexts ??= new Map()).set(id, contextValue);
          return {
            schema: o.schema,
            document: checked.document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue,
          } satisfies ExecutionArgs;
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          o.log.error('subscription setup failed', { err, requestId: payload.extensions?.requestId });
          return refuse('Internal server error', 'INTERNAL_SERVER_ERROR');
        }
      },
      // where the subscription starts, before its first event, for a connection that asked (positions.ts)
      onOperation: (ctx, _id, _payload, _args, result) =>
        ctx.extra.request.headers[POSITIONS_HEADER] === '1' ? (withStartPosition(result) as typeof result) : undefined,
      onComplete: (ctx, id) => {
        ctx.extra.contexts?.delete(id);
      },
      onError: (ctx, id, _payload, errors) => {
        logHidden(ctx.extra.contexts?.get(id)?.log ?? o.log, errors);
        return errors.map((e) => maskError(e.toJSON()));
      },
    },
    wss,
  );

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    sockets: () => wss.clients.size,
    executions: () => {
      let n = 0;
      for (const c of connections) n += Object.keys(c.subscriptions).length;
      return n;
    },
    async close() {
      for (const ws of wss.clients) ws.close(1001, 'Going away');
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
