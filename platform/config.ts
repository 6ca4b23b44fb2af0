/**
 * Validated configuration, read once from the environment.
 *
 * Every variable is documented in README.md ("Environment variables") with its
 * default. Invalid values fail closed: `loadConfig` throws a `ConfigError` whose
 * message is one line naming the variable, and the entry points print that line
 * and exit 1 instead of a stack trace.
 */
import path from 'node:path';
import { ConfigError, envVar, readEnv, type Env } from './env.ts';
import { privateKeyFromEnv, publicKeyFromEnv } from './key-config.ts';

export { ConfigError };

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

export interface OrderClock {
  paymentWindowS: number;
  shippingWindowS: number;
  deliveryWindowS: number;
  /** After a DELIVERED tracking event: time for the buyer to confirm receipt. */
  confirmationWindowS: number;
  feedbackWindowS: number;
  sweepIntervalMs: number;
  /** DISPUTE_ANSWER_WINDOW_S: the seller's time to answer a dispute; after a refusal, the buyer's time to escalate it. */
  disputeAnswerWindowS: number;
  /** FEEDBACK_EDIT_WINDOW_S: how long after leaving feedback the buyer may edit it (once). */
  feedbackEditWindowS: number;
}

export interface CheckoutSettings {
  /** CHECKOUT_LEASE_S: how long an attempt holds its idempotency key without renewing it. */
  leaseS: number;
  /** CHECKOUT_WAIT_MS: how long a call waits for a twin with the same key before answering INVALID_STATE. */
  waitMs: number;
  /** CHECKOUT_RETRY_MAX_MS: the longest pause between two tries of a checkout job (backoff cap). */
  retryMaxMs: number;
}

export interface PaymentSettings {
  /** PAYMENT_PROVIDER: the built-in test provider (default) or Stripe. */
  provider: 'test' | 'stripe';
  stripeSecretKey?: string;
  stripeWebhookSecret?: string;
  /** STRIPE_API_BASE: another address for Stripe's API (for tests: a local stand-in). */
  stripeApiBase?: string;
  /** STRIPE_RETURN_URL: where Stripe sends the buyer back after 3-D Secure. */
  stripeReturnUrl?: string;
  /** PAYMENT_ACTION_TIMEOUT_S: how long a payment waits for the buyer's action (3-D Secure) before it is abandoned. */
  actionTimeoutS: number;
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
  /** Statements as prepared statements of their connection (platform/db.ts; off behind a pooler in transaction mode). */
  databasePrepared: boolean;
  /** Database holding the platform's event log; defaults to databaseUrl. */
  eventsDatabaseUrl?: string;
  /** What carries events (docs/operations.md, "The event bus"). */
  eventBus: 'postgres' | 'nats';
  /** The JetStream bus: server(s), stream name (subjects `<stream>.<topic>`), stream replicas. */
  nats: { url: string; stream: string; replicas: number };
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
  /** The payment provider (docs/payments.md). */
  payments: PaymentSettings;
  /** Messages one person may send per minute. */
  messageRatePerMin: number;
  /** Email delivery (platform/mail/). */
  mail: MailSettings;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface MailSettings {
  /** SMTP_URL (smtp:// or smtps://); undefined: each email is written as an .eml file under DATA_DIR/mail (never in production). */
  smtpUrl?: string;
  /** MAIL_FROM: the sender of every email. */
  from: string;
  /** PUBLIC_URL: the web shop's address, for links in emails (unsubscribe). */
  publicUrl: string;
  /** EMAIL_CODE_TTL_S: how long an emailed code (password reset, email verification) works. */
  codeTtlS: number;
  /** MAIL_INTERVAL_MS: how often the mail queue is looked at (a new code is sent at once). */
  intervalMs: number;
  /** MAIL_RETRY_MAX_MS: the longest pause between two tries of one email (backoff cap). */
  retryMaxMs: number;
}

function configError(message: string): never {
  throw new ConfigError(message);
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const perSubgraph: Record<string, ReturnType<typeof envVar.int> | ReturnType<typeof envVar.postgresUrl>> = {};
  for (const name of SUBGRAPH_NAMES) {
    const upper = name.toUpperCase();
    perSubgraph[`${upper}_DATABASE_URL`] = envVar.postgresUrl();
    perSubgraph[`${upper}_PORT`] = envVar.int(DEFAULT_PORTS[name], { max: 65535 });
  }
  const v = readEnv(env, {
    NODE_ENV: envVar.text('development'),
    DATABASE_URL: envVar.postgresUrl(),
    ...perSubgraph,
    SEED: envVar.oneOf(['demo', 'none'], 'demo'),
    LOG_LEVEL: envVar.oneOf(LOG_LEVELS, env.VITEST ? 'silent' : 'info'),
    SUBGRAPH_SECRET: envVar.text(undefined),
    ADMIN_EMAIL: envVar.text(undefined),
    ADMIN_PASSWORD: envVar.text(undefined),
    DATA_DIR: envVar.text('.data'),
    EVENTS_DATABASE_URL: envVar.postgresUrl(),
    EVENT_BUS: envVar.oneOf(['postgres', 'nats'], 'postgres'),
    NATS_URL: envVar.text('nats://127.0.0.1:4222'),
    NATS_STREAM: envVar.text('marketplace_events'),
    NATS_REPLICAS: envVar.int(1, { min: 1, max: 5 }),
    DATABASE_POOL_MAX: envVar.int(10, { min: 1, max: 1000 }),
    DATABASE_PREPARED_STATEMENTS: envVar.bool(true),
    PORT: envVar.int(DEFAULT_PORTS.gateway, { max: 65535 }),
    HOST: envVar.text('0.0.0.0'),
    ACCESS_TOKEN_TTL_S: envVar.int(900, { min: 10, max: 86400 }),
    REFRESH_TOKEN_TTL_S: envVar.int(2592000, { min: 60 }),
    ORDER_PAYMENT_WINDOW_S: envVar.int(259200, { min: 1 }),
    ORDER_SHIPPING_WINDOW_S: envVar.int(604800, { min: 1 }),
    ORDER_DELIVERY_WINDOW_S: envVar.int(5184000, { min: 1 }),
    ORDER_CONFIRMATION_WINDOW_S: envVar.int(604800, { min: 1 }),
    ORDER_FEEDBACK_WINDOW_S: envVar.int(2592000, { min: 1 }),
    ORDER_SWEEP_INTERVAL_MS: envVar.int(1000, { min: 10 }),
    DISPUTE_ANSWER_WINDOW_S: envVar.int(432000, { min: 1 }),
    FEEDBACK_EDIT_WINDOW_S: envVar.int(2592000, { min: 1 }),
    EXPRESS_SHIPPING_FEE_CENTS: envVar.int(999, { max: 1_000_000 }),
    CHECKOUT_LEASE_S: envVar.int(30, { min: 1, max: 3600 }),
    CHECKOUT_WAIT_MS: envVar.int(2000, { max: 60_000 }),
    CHECKOUT_RETRY_MAX_MS: envVar.int(30_000, { min: 100, max: 3_600_000 }),
    PAYMENT_CLAIM_LEASE_S: envVar.int(30, { min: 1, max: 3600 }),
    PAYMENT_PROVIDER: envVar.oneOf(['test', 'stripe'], 'test'),
    STRIPE_SECRET_KEY: envVar.text(undefined),
    STRIPE_WEBHOOK_SECRET: envVar.text(undefined),
    STRIPE_API_BASE: envVar.httpUrl(''),
    STRIPE_RETURN_URL: envVar.httpUrl(''),
    PAYMENT_ACTION_TIMEOUT_S: envVar.int(3600, { min: 1, max: 86400 }),
    MESSAGE_RATE_PER_MIN: envVar.int(30, { min: 1, max: 100_000 }),
    SMTP_URL: envVar.text(undefined),
    MAIL_FROM: envVar.text('Marketplace <no-reply@marketplace.local>'),
    PUBLIC_URL: envVar.httpUrl('http://localhost:4000'),
    EMAIL_CODE_TTL_S: envVar.int(1800, { min: 1, max: 86400 }),
    MAIL_INTERVAL_MS: envVar.int(1000, { min: 10, max: 3_600_000 }),
    MAIL_RETRY_MAX_MS: envVar.int(600_000, { min: 10, max: 86_400_000 }),
  });
  const sub = v as unknown as Record<string, number | string | undefined>;
  const subgraphDatabaseUrls: Partial<Record<SubgraphName, string>> = {};
  const ports = {} as Record<SubgraphName, number>;
  const subgraphUrls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    const upper = name.toUpperCase();
    const u = sub[`${upper}_DATABASE_URL`] as string | undefined;
    if (u) subgraphDatabaseUrls[name] = u;
    ports[name] = sub[`${upper}_PORT`] as number;
    // the URL's default depends on the port just read
    subgraphUrls[name] = readEnv(env, { [`${upper}_URL`]: envVar.httpUrl(`http://127.0.0.1:${ports[name]}/graphql`) })[`${upper}_URL`];
  }
  const production = v.NODE_ENV === 'production';
  const secret = v.SUBGRAPH_SECRET;
  if (secret !== undefined && secret.length < 16) {
    throw new ConfigError('SUBGRAPH_SECRET must be at least 16 characters');
  }
  if ((v.ADMIN_EMAIL && !v.ADMIN_PASSWORD) || (!v.ADMIN_EMAIL && v.ADMIN_PASSWORD)) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (v.PAYMENT_PROVIDER === 'stripe' && (!v.STRIPE_SECRET_KEY || !v.STRIPE_WEBHOOK_SECRET)) {
    throw new ConfigError('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(v.NATS_STREAM)) {
    throw new ConfigError(`NATS_STREAM must be 1-64 letters, digits, _ or -, got "${v.NATS_STREAM}"`);
  }
  if (v.SMTP_URL !== undefined && !/^smtps?:\/\/[^/?#]+/.test(v.SMTP_URL)) {
    throw new ConfigError('SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@host:587');
  }
  return {
    nodeEnv: v.NODE_ENV,
    production,
    dataDir: path.resolve(v.DATA_DIR),
    databaseUrl: v.DATABASE_URL,
    subgraphDatabaseUrls,
    eventsDatabaseUrl: v.EVENTS_DATABASE_URL ?? v.DATABASE_URL,
    databasePoolMax: v.DATABASE_POOL_MAX,
    databasePrepared: v.DATABASE_PREPARED_STATEMENTS,
    eventBus: v.EVENT_BUS,
    nats: { url: v.NATS_URL, stream: v.NATS_STREAM, replicas: v.NATS_REPLICAS },
    port: v.PORT,
    host: v.HOST,
    ports,
    subgraphUrls,
    subgraphSecret: secret,
    authPrivateKey: privateKeyFromEnv(env, configError),
    authPublicKey: publicKeyFromEnv(env, configError),
    accessTokenTtlS: v.ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: v.REFRESH_TOKEN_TTL_S,
    adminEmail: v.ADMIN_EMAIL,
    adminPassword: v.ADMIN_PASSWORD,
    seed: production ? 'none' : v.SEED,
    orderClock: {
      paymentWindowS: v.ORDER_PAYMENT_WINDOW_S,
      shippingWindowS: v.ORDER_SHIPPING_WINDOW_S,
      deliveryWindowS: v.ORDER_DELIVERY_WINDOW_S,
      confirmationWindowS: v.ORDER_CONFIRMATION_WINDOW_S,
      feedbackWindowS: v.ORDER_FEEDBACK_WINDOW_S,
      sweepIntervalMs: v.ORDER_SWEEP_INTERVAL_MS,
      disputeAnswerWindowS: v.DISPUTE_ANSWER_WINDOW_S,
      feedbackEditWindowS: v.FEEDBACK_EDIT_WINDOW_S,
    },
    expressShippingFee: v.EXPRESS_SHIPPING_FEE_CENTS,
    checkout: {
      leaseS: v.CHECKOUT_LEASE_S,
      waitMs: v.CHECKOUT_WAIT_MS,
      retryMaxMs: v.CHECKOUT_RETRY_MAX_MS,
    },
    paymentClaimLeaseS: v.PAYMENT_CLAIM_LEASE_S,
    payments: {
      provider: v.PAYMENT_PROVIDER,
      stripeSecretKey: v.STRIPE_SECRET_KEY,
      stripeWebhookSecret: v.STRIPE_WEBHOOK_SECRET,
      stripeApiBase: v.STRIPE_API_BASE || undefined,
      stripeReturnUrl: v.STRIPE_RETURN_URL || undefined,
      actionTimeoutS: v.PAYMENT_ACTION_TIMEOUT_S,
    },
    messageRatePerMin: v.MESSAGE_RATE_PER_MIN,
    mail: {
      smtpUrl: v.SMTP_URL,
      from: v.MAIL_FROM,
      publicUrl: v.PUBLIC_URL.replace(/\/+$/, ''),
      codeTtlS: v.EMAIL_CODE_TTL_S,
      intervalMs: v.MAIL_INTERVAL_MS,
      retryMaxMs: v.MAIL_RETRY_MAX_MS,
    },
    logLevel: v.LOG_LEVEL,
  };
}

/** The database URL a subgraph uses, or undefined for embedded PGlite. */
export function databaseUrlFor(config: Config, name: SubgraphName): string | undefined {
  return config.subgraphDatabaseUrls[name] ?? config.databaseUrl;
}
