/**
 * Validated configuration, read once from the environment.
 *
 * Every variable is documented in README.md ("Environment variables") with its
 * default. Invalid values fail closed: `loadConfig` throws a `ConfigError` whose
 * message is one line naming the variable, and the entry points print that line
 * and exit 1 instead of a stack trace.
 */
import path from 'node:path';
import { privateKeyFromEnv, publicKeyFromEnv } from './key-config.ts';

export const SUBGRAPH_NAMES = ['users', 'catalog', 'orders', 'messaging', 'promotions'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const DEFAULT_PORTS: Record<SubgraphName | 'gateway', number> = {
  gateway: 4000,
  users: 4001,
  catalog: 4002,
  orders: 4003,
  messaging: 4004,
  promotions: 4005,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface OrderClock {
  paymentWindowS: number;
  shippingWindowS: number;
  deliveryWindowS: number;
  feedbackWindowS: number;
  sweepIntervalMs: number;
}

export interface CheckoutSettings {
  /** CHECKOUT_LEASE_S: how long an attempt holds its idempotency key without renewing it. */
  leaseS: number;
  /** CHECKOUT_WAIT_MS: how long a call waits for a twin with the same key before answering INVALID_STATE. */
  waitMs: number;
  /** CHECKOUT_RETRY_MAX_MS: the longest pause between two tries of a checkout job (backoff cap). */
  retryMaxMs: number;
}

export interface Config {
  nodeEnv: string;
  production: boolean;
  dataDir: string;
  /** Shared PostgreSQL URL; undefined means embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** Per-subgraph database URL (falls back to databaseUrl). */
  subgraphDatabaseUrls: Partial<Record<SubgraphName, string>>;
  /** Connections per PostgreSQL pool (each subgraph has one). */
  databasePoolMax: number;
  /** Database holding the platform's event log; defaults to databaseUrl. */
  eventsDatabaseUrl?: string;
  port: number;
  host: string;
  ports: Record<SubgraphName, number>;
  /** Where the gateway and other subgraphs reach each subgraph's /graphql. */
  subgraphUrls: Record<SubgraphName, string>;
  /** Shared secret the gateway (and subgraphs calling each other) present to subgraphs. */
  subgraphSecret?: string;
  /** PEM (PKCS#8) Ed25519 private key that signs access tokens (users subgraph). */
  authPrivateKey?: string;
  /** PEM (SPKI) Ed25519 public key that verifies access tokens. */
  authPublicKey?: string;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  adminEmail?: string;
  adminPassword?: string;
  seed: 'demo' | 'none';
  orderClock: OrderClock;
  /** Minor units charged per store order for EXPRESS shipping. */
  expressShippingFee: number;
  /** Checkout recovery (docs/orders.md, "Checkout"). */
  checkout: CheckoutSettings;
  /** Seconds a payOrders attempt holds its claim; past it a dead attempt is recovered. */
  paymentClaimLeaseS: number;
  /** Messages one person may send per minute. */
  messageRatePerMin: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

type Env = Record<string, string | undefined>;

function configError(message: string): never {
  throw new ConfigError(message);
}

function int(env: Env, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function dbUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL (expected postgres://user@host:port/database)`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must start with postgres:// or postgresql://, got ${u.protocol}//`);
  }
  if (!u.hostname) throw new ConfigError(`${name} has no host`);
  return raw;
}

function httpUrl(env: Env, name: string, def: string): string {
  const raw = env[name] || def;
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV || 'development';
  const production = nodeEnv === 'production';
  const databaseUrl = dbUrl(env, 'DATABASE_URL');
  const subgraphDatabaseUrls: Partial<Record<SubgraphName, string>> = {};
  const ports = {} as Record<SubgraphName, number>;
  const subgraphUrls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    const upper = name.toUpperCase();
    const u = dbUrl(env, `${upper}_DATABASE_URL`);
    if (u) subgraphDatabaseUrls[name] = u;
    ports[name] = int(env, `${upper}_PORT`, DEFAULT_PORTS[name], 0, 65535);
    subgraphUrls[name] = httpUrl(env, `${upper}_URL`, `http://127.0.0.1:${ports[name]}/graphql`);
  }
  const seed = (env.SEED || 'demo').toLowerCase();
  if (seed !== 'demo' && seed !== 'none') throw new ConfigError(`SEED must be "demo" or "none", got "${env.SEED}"`);
  const logLevel = (env.LOG_LEVEL || (env.VITEST ? 'silent' : 'info')).toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error, silent`);
  }
  const secret = env.SUBGRAPH_SECRET || undefined;
  if (secret !== undefined && secret.length < 16) {
    throw new ConfigError('SUBGRAPH_SECRET must be at least 16 characters');
  }
  if ((env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) || (!env.ADMIN_EMAIL && env.ADMIN_PASSWORD)) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  return {
    nodeEnv,
    production,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    databaseUrl,
    subgraphDatabaseUrls,
    eventsDatabaseUrl: dbUrl(env, 'EVENTS_DATABASE_URL') ?? databaseUrl,
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    port: int(env, 'PORT', DEFAULT_PORTS.gateway, 0, 65535),
    host: env.HOST || '0.0.0.0',
    ports,
    subgraphUrls,
    subgraphSecret: secret,
    authPrivateKey: privateKeyFromEnv(env, configError),
    authPublicKey: publicKeyFromEnv(env, configError),
    accessTokenTtlS: int(env, 'ACCESS_TOKEN_TTL_S', 900, 10, 86400),
    refreshTokenTtlS: int(env, 'REFRESH_TOKEN_TTL_S', 2592000, 60),
    adminEmail: env.ADMIN_EMAIL || undefined,
    adminPassword: env.ADMIN_PASSWORD || undefined,
    seed: production ? 'none' : (seed as 'demo' | 'none'),
    orderClock: {
      paymentWindowS: int(env, 'ORDER_PAYMENT_WINDOW_S', 259200, 1),
      shippingWindowS: int(env, 'ORDER_SHIPPING_WINDOW_S', 604800, 1),
      deliveryWindowS: int(env, 'ORDER_DELIVERY_WINDOW_S', 5184000, 1),
      feedbackWindowS: int(env, 'ORDER_FEEDBACK_WINDOW_S', 2592000, 1),
      sweepIntervalMs: int(env, 'ORDER_SWEEP_INTERVAL_MS', 1000, 10),
    },
    expressShippingFee: int(env, 'EXPRESS_SHIPPING_FEE_CENTS', 999, 0, 1_000_000),
    checkout: {
      leaseS: int(env, 'CHECKOUT_LEASE_S', 30, 1, 3600),
      waitMs: int(env, 'CHECKOUT_WAIT_MS', 2000, 0, 60_000),
      retryMaxMs: int(env, 'CHECKOUT_RETRY_MAX_MS', 30_000, 100, 3_600_000),
    },
    paymentClaimLeaseS: int(env, 'PAYMENT_CLAIM_LEASE_S', 30, 1, 3600),
    messageRatePerMin: int(env, 'MESSAGE_RATE_PER_MIN', 30, 1, 100_000),
    logLevel: logLevel as Config['logLevel'],
  };
}

/** The database URL a subgraph uses, or undefined for embedded PGlite. */
export function databaseUrlFor(config: Config, name: SubgraphName): string | undefined {
  return config.subgraphDatabaseUrls[name] ?? config.databaseUrl;
}
