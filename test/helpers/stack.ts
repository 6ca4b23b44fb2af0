/**
 * Starts the whole graph in-process on free ports for a test file: on a fresh
 * in-memory PGlite, or, when DATABASE_URL is set, on a fresh PostgreSQL
 * database created for this stack and dropped afterwards.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { generateKeys, type AuthKeys } from '../../platform/auth.ts';
import { ManualClock } from '../../platform/clock.ts';
import { SUBGRAPH_NAMES, loadConfig, type Config, type SubgraphName } from '../../platform/config.ts';
import { createDatabase, dropDatabase, queryRows } from '../../platform/db.ts';
import { createLogger } from '../../platform/log.ts';
import { startStack, type Stack } from '../../stack.ts';
import { GraphQLClient } from './client.ts';

export const onPostgres = Boolean(process.env.DATABASE_URL);
/** `EVENT_BUS=nats` (with DATABASE_URL): the stacks run the JetStream bus, each on a stream of its own. */
export const onNats = process.env.EVENT_BUS === 'nats';

export interface TestStack {
  stack: Stack;
  config: Config;
  keys: AuthKeys;
  clock: ManualClock;
  /** Gateway /graphql URL. */
  url: string;
  wsUrl: string;
  /** A client of the gateway, anonymous until `.as(token)`. */
  client: GraphQLClient;
  /** The test database's URL (PostgreSQL only). */
  databaseUrl?: string;
  /** The stack's DATA_DIR (a temporary folder, removed on stop): .eml files without SMTP_URL. */
  dataDir: string;
  /** The in-memory database (PGlite only), e.g. to start another subgraph instance on it. */
  pglite?: PGlite;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Collect every log line at `error` level and above here instead of dropping them. */
  logs?: string[];
  /** Extra environment, e.g. { ORDER_PAYMENT_WINDOW_S: '5' }. */
  env?: Record<string, string>;
  /** Load the demo data (default: no). */
  seed?: boolean;
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const adminUrl = process.env.DATABASE_URL;
  let dbName: string | undefined;
  let databaseUrl: string | undefined;
  let pglite: PGlite | undefined;
  if (adminUrl) {
    dbName = `mg_test_${crypto.randomBytes(6).toString('hex')}`;
    databaseUrl = await createDatabase(adminUrl, dbName);
  } else {
    pglite = new PGlite();
    await pglite.waitReady;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-test-'));
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    SEED: opts.seed ? 'demo' : 'none',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // the database is in memory or PostgreSQL; DATA_DIR holds only what else is written (.eml files without SMTP_URL)
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    // two test files run at once, each with its own stack: stay well under
    // PostgreSQL's default 100 connections
    DATABASE_POOL_MAX: '4',
    EVENT_BUS: onNats ? 'nats' : 'postgres',
    NATS_URL: process.env.NATS_URL,
    // a stream per stack: test files running at once never see each other's events
    NATS_STREAM: `test_${crypto.randomBytes(6).toString('hex')}`,
    ...opts.env,
  };
  const config = loadConfig(env);
  const keys = generateKeys();
  const clock = new ManualClock();
  const subgraphPorts = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, 0])) as Record<SubgraphName, number>;
  let stack: Stack;
  try {
    stack = await startStack({
      config,
      keys,
      clock,
      log: opts.logs ? createLogger('error', {}, (line) => opts.logs!.push(line)) : createLogger(config.logLevel),
      port: 0,
      subgraphPorts,
      pglite,
      env,
      metricsPort: 0,
    });
  } catch (err) {
    await pglite?.close();
    if (dbName) await dropDatabase(adminUrl!, dbName);
    if (config.eventBus === 'nats') await deleteStream(config);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = stack.gateway.url;
  return {
    stack,
    config,
    keys,
    clock,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    client: new GraphQLClient(url),
    databaseUrl,
    dataDir,
    pglite,
    async stop() {
      await stack.stop();
      await pglite?.close();
      if (dbName) await dropDatabase(adminUrl!, dbName);
      if (config.eventBus === 'nats') await deleteStream(config);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Remove a test stack's JetStream stream. */
export async function deleteStream(config: Pick<Config, 'nats'>): Promise<void> {
  const nc = await connect({ servers: config.nats.url });
  try {
    await (await jetstreamManager(nc)).streams.delete(config.nats.stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/**
 * Resolves once every event subgraph `name` has published so far is on the
 * bus (what `readAfter` reads) and this process's live listeners have it.
 * On PostgreSQL a committed event is in the log at once; on JetStream the
 * relay publishes the outbox a little after the commit (a consumer's own
 * events, say), so a test that reads the bus right after a commit, or asserts
 * that nothing was published, waits here first. Fails after `timeoutMs`.
 */
export async function onTheBus(t: TestStack, name: SubgraphName, timeoutMs = 10_000): Promise<void> {
  const db = t.stack.subgraphs[name].db;
  const [last] = await queryRows<{ seq: string | null }>(db.drizzle, sql`select max(seq) as seq from events.log`);
  if (last?.seq == null) return;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [left] = await queryRows<{ n: string }>(db.drizzle, sql`select count(*) as n from events.log where relay_pending and seq <= ${last.seq}`);
    if (Number(left.n) === 0) break;
    if (Date.now() > until) throw new Error(`${name}: ${left.n} events not yet relayed to the bus after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await t.stack.bus.settled(db, name, [Number(last.seq)], Math.max(until - Date.now(), 0));
}
