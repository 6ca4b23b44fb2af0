/**
 * Limits of the gateway's subscription endpoint (graphql-ws on /graphql),
 * from the environment, each with its default. docs/subscriptions.md lists
 * them for clients and operators.
 */
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

type IntOption = Exclude<keyof SubscriptionOptions, 'deduplicate'>;

const ENV: Record<IntOption, string> = {
  initTimeoutMs: 'SUBSCRIPTION_INIT_TIMEOUT_MS',
  maxFrameBytes: 'SUBSCRIPTION_MAX_FRAME_BYTES',
  maxPerConnection: 'SUBSCRIPTION_MAX_PER_CONNECTION',
  maxSocketsPerClient: 'SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT',
  queueLimit: 'SUBSCRIPTION_QUEUE_LIMIT',
  upstreamRetryMs: 'SUBSCRIPTION_UPSTREAM_RETRY_MS',
  keepAliveMs: 'SUBSCRIPTION_KEEPALIVE_MS',
  writesPerTurn: 'SUBSCRIPTION_WRITES_PER_TURN',
};

/** Options from `env` (default process.env), then `overrides`; a bad number is an error at startup. */
export function subscriptionOptions(
  overrides: Partial<SubscriptionOptions> = {},
  env: Record<string, string | undefined> = process.env,
): SubscriptionOptions {
  const out = { ...SUBSCRIPTION_DEFAULTS };
  for (const key of Object.keys(ENV) as IntOption[]) {
    const raw = env[ENV[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${ENV[key]} must be a positive integer (got ${JSON.stringify(raw)})`);
    out[key] = n;
  }
  const dedup = env.SUBSCRIPTION_DEDUPLICATION?.toLowerCase();
  if (dedup !== undefined && dedup !== '') {
    if (['1', 'true', 'yes', 'on'].includes(dedup)) out.deduplicate = true;
    else if (['0', 'false', 'no', 'off'].includes(dedup)) out.deduplicate = false;
    else throw new Error(`SUBSCRIPTION_DEDUPLICATION must be true or false (got ${JSON.stringify(env.SUBSCRIPTION_DEDUPLICATION)})`);
  }
  return { ...out, ...overrides };
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
