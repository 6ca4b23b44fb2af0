/**
 * Limits of the gateway's subscription endpoint (graphql-ws on /graphql),
 * from the environment, each with its default. docs/subscriptions.md lists
 * them for clients and operators.
 */
import { envVar, readEnv } from '../../platform/env.ts';

export interface SubscriptionOptions {
  /** SUBSCRIPTION_INIT_TIMEOUT_MS: time to send connection_init (default 5000). */
  initTimeoutMs: number;
  /** SUBSCRIPTION_MAX_FRAME_BYTES: largest websocket frame accepted (default 65536). */
  maxFrameBytes: number;
  /** SUBSCRIPTION_MAX_PER_CONNECTION: active subscriptions per socket (default 20). */
  maxPerConnection: number;
  /**
   * SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT: open websockets per client address (the
   * TCP peer, the address forwarded to subgraphs as x-client-ip); one more is
   * closed with 4429 at once (default 50).
   */
  maxSocketsPerClient: number;
  /** SUBSCRIPTION_QUEUE_LIMIT: events waiting for a slow client per subscription (default 500). */
  queueLimit: number;
  /** SUBSCRIPTION_UPSTREAM_RETRY_MS: how long to keep re-subscribing upstream before giving up (default 30000). */
  upstreamRetryMs: number;
  /** SUBSCRIPTION_KEEPALIVE_MS: ping interval towards clients; a missing pong closes the socket (default 12000). */
  keepAliveMs: number;
  /**
   * SUBSCRIPTION_WRITES_PER_TURN: frames written to client sockets in one turn of
   * the event loop; the rest of a large fan-out goes out in later turns, so HTTP
   * requests are served in between (writer.ts; default 500).
   */
  writesPerTurn: number;
  /**
   * SUBSCRIPTION_DEDUPLICATION: live subscriptions of one session with the same
   * document and variables share one upstream subscription and one execution
   * per event; never those resuming with `after` (default true).
   */
  deduplicate: boolean;
}

export const SUBSCRIPTION_DEFAULTS: SubscriptionOptions = {
  initTimeoutMs: 5_000,
  maxFrameBytes: 64 * 1024,
  maxPerConnection: 20,
  maxSocketsPerClient: 50,
  queueLimit: 500,
  upstreamRetryMs: 30_000,
  keepAliveMs: 12_000,
  writesPerTurn: 500,
  deduplicate: true,
};

/** Options from `env` (default process.env), then `overrides`; a bad value is an error at startup. */
export function subscriptionOptions(overrides: Partial<SubscriptionOptions> = {}, env: Record<string, string | undefined> = process.env): SubscriptionOptions {
  const d = SUBSCRIPTION_DEFAULTS;
  const positive = (def: number) => envVar.int(def, { min: 1 });
  const v = readEnv(env, {
    SUBSCRIPTION_INIT_TIMEOUT_MS: positive(d.initTimeoutMs),
    SUBSCRIPTION_MAX_FRAME_BYTES: positive(d.maxFrameBytes),
    SUBSCRIPTION_MAX_PER_CONNECTION: positive(d.maxPerConnection),
    SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT: positive(d.maxSocketsPerClient),
    SUBSCRIPTION_QUEUE_LIMIT: positive(d.queueLimit),
    SUBSCRIPTION_UPSTREAM_RETRY_MS: positive(d.upstreamRetryMs),
    SUBSCRIPTION_KEEPALIVE_MS: positive(d.keepAliveMs),
    SUBSCRIPTION_WRITES_PER_TURN: positive(d.writesPerTurn),
    SUBSCRIPTION_DEDUPLICATION: envVar.bool(d.deduplicate),
  });
  const fromEnv: SubscriptionOptions = {
    initTimeoutMs: v.SUBSCRIPTION_INIT_TIMEOUT_MS,
    maxFrameBytes: v.SUBSCRIPTION_MAX_FRAME_BYTES,
    maxPerConnection: v.SUBSCRIPTION_MAX_PER_CONNECTION,
    maxSocketsPerClient: v.SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT,
    queueLimit: v.SUBSCRIPTION_QUEUE_LIMIT,
    upstreamRetryMs: v.SUBSCRIPTION_UPSTREAM_RETRY_MS,
    keepAliveMs: v.SUBSCRIPTION_KEEPALIVE_MS,
    writesPerTurn: v.SUBSCRIPTION_WRITES_PER_TURN,
    deduplicate: v.SUBSCRIPTION_DEDUPLICATION,
  };
  return { ...fromEnv, ...overrides };
}

/** Close codes the gateway uses on client sockets (besides graphql-ws's own 44xx). */
export const CloseCodes = {
  /** The access token expired while connected: reconnect with a fresh one. */
  TokenExpired: 4401,
  /** The session was revoked (sign-out, password change, deactivation). */
  SessionRevoked: 4403,
  /**
   * The client fell more than SUBSCRIPTION_QUEUE_LIMIT events behind, or its
   * address already has SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT sockets open.
   */
  TooSlow: 4429,
  /** The same code, for too many sockets from one client address. */
  TooManySockets: 4429,
  /** The gateway is shutting down: reconnect (to another instance) and resume with `after`. */
  ServiceRestart: 1012,
} as const;
