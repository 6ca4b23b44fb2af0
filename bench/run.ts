/**
 * `npm run bench` (quick, a few minutes) / `npm run bench -- --full`.
 *
 * One run, one machine: the same subgraphs (on PostgreSQL each its own process,
 * as deployed; on PGlite all five in one) and supergraph
 * behind three gateways (each its own child process, all up at once, each cell
 * measured on every one back to back, the first rotating): this project's, a
 * stock @apollo/gateway and Hive Gateway. Load comes from autocannon in a
 * separate child process, with a warm-up before every measurement. On a fresh
 * PostgreSQL database when DATABASE_URL is set (dropped afterwards), else PGlite.
 *
 * Parts: gateways (the marketplace pages alone and mixed, identical requests
 * and a distinct authorization per request), curve (p99 against load for the
 * SVG), subscriptions (fan-out on this project's gateway, on the PostgreSQL bus
 * and again on NATS JetStream with --fanout-buses=postgres,nats), sql (statements per
 * operation at page sizes 1/20/100, in-process), bus (the event buses side by side:
 * publishing throughput and delivery latency, PostgreSQL and JetStream; needs
 * DATABASE_URL and NATS at NATS_URL, bench/bus.ts; --bus-publishers=<n>, --bus-seconds=<s>).
 *
 * Options: --full, --only=gateways,curve,subscriptions,sql,bus, --gateways=ours,apollo,hive,
 * --duration=<s> (per measurement), --warmup=<s>, --mix-rounds=<n>, --connections=<n>,
 * --subgraph-processes=1 (on PostgreSQL, all five subgraphs in one process as `npm start` runs them;
 * default there: each its own process, as deployed; on PGlite always one),
 * --subscribers=1000+5000, --messages=<n> (per subscriber count; 3, 10 with --full), --cpu-prof (write .cpuprofile files of the gateway
 * processes under bench/results/cpu-<date>/, and of the gateway, subgraphs and
 * subscriber processes over the delivery window of the largest subscriber
 * count under cpu-<date>/delivery/; summarise with bench/profile.ts),
 * --heap-snapshot (a .heapsnapshot of this gateway holding the most subscribers,
 * bench/results/heap-<date>.heapsnapshot; summarise with bench/heap.ts).
 * Writes bench/results/<date>.json, bench/results/<date>-latency.svg and
 * bench/RESULTS.md. It reports; it never fails on a number.
 * --soak [--soak-minutes=10] runs the memory soak instead (bench/soak.ts).
 * --stock-subgraphs=<checkout> (PostgreSQL): the other gateways run in front of the subgraphs of
 * another checkout of this project (e.g. a `git worktree` at an earlier commit), on a database of
 * their own, seeded the same way: the whole stock system against this whole system, in one run.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import postgres from 'postgres';
import { generateKeys } from '../platform/auth.ts';
import { createDatabase, dropDatabase } from '../platform/db.ts';
import { GraphQLClient } from '../test/helpers/client.ts';
import { SUPERGRAPH_FILE } from '../gateway/server.ts';
import { BENCH_DIR, cpuMsOfAll, cpuMsOfTree, startChild, type Child } from './lib/proc.ts';
import { mintTokens, seedBuyer, type BenchData } from './lib/seed.ts';
import { DbWatch, probe } from './lib/dbwatch.ts';
import { lineChart } from './lib/svg.ts';
import { pages } from './operations.ts';
import { sqlPerOperation } from './sql.ts';
import { writeReport } from './report.ts';
import { busBench } from './bus.ts';

const args = process.argv.slice(2);
if (args.includes('--soak')) {
  // memory under steady load instead of the comparison (bench/soak.ts)
  const { runSoak } = await import('./soak.ts');
  process.exit(await runSoak(args));
}
const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const full = args.includes('--full');
const only = new Set((arg('only') ?? 'gateways,curve,subscriptions,sql,bus').split(','));
const cpuProf = args.includes('--cpu-prof');
const heapSnapshot = args.includes('--heap-snapshot');
/** Another checkout whose subgraphs the other gateways run in front of (PostgreSQL only; see the header). */
const stockTree = arg('stock-subgraphs') && process.env.DATABASE_URL ? path.resolve(arg('stock-subgraphs')!) : undefined;
/**
 * The subgraphs' layout: on PostgreSQL each in its own process, as deployed
 * (as docker-compose.yml deploys them), unless --subgraph-processes=1; on PGlite
 * all five in one, as `npm start` runs them (PGlite is one process's database).
 */
const subgraphProcesses = Boolean(process.env.DATABASE_URL) && arg('subgraph-processes') !== '1';
const profile = {
  name: full ? 'full' : 'quick',
  duration: Number(arg('duration') ?? (full ? 20 : 4)),
  warmup: Number(arg('warmup') ?? (full ? 5 : 2)),
  connections: Number(arg('connections') ?? 32),
  curve: full ? [1, 4, 16, 32, 64, 128] : [1, 16, 64],
  subscribers: arg('subscribers')?.split('+').map(Number) ?? (full ? [1000, 5000, 10000] : [1000, 5000]),
  /** Messages sent (1 s apart) at each subscriber count, each delivered to every subscriber. */
  messages: Number(arg('messages') ?? (full ? 10 : 3)),
  distinctTokens: 2000,
  checkouts: full ? 12 : 6,
  /** Rounds of the mix cells (the median round is reported). */
  mixRounds: Number(arg('mix-rounds') ?? (full ? 3 : 1)),
};
const ALL_GATEWAYS = ['ours', 'apollo', 'hive'] as const;
type GatewayKind = (typeof ALL_GATEWAYS)[number];
/** Started in the order given; the first cell is measured in that order, each next one rotated by one. */
const GATEWAYS = (arg('gateways') ?? ALL_GATEWAYS.join(',')).split(',').filter((g): g is GatewayKind => (ALL_GATEWAYS as readonly string[]).includes(g));
const LABEL: Record<GatewayKind, string> = { ours: 'this gateway', apollo: 'stock @apollo/gateway', hive: 'Hive Gateway' };
const log = (s: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const started = new Date();
const stamp = started.toISOString().replace(/:/g, '-').slice(0, 19);
const require = createRequire(import.meta.url);
const version = (p: string) => {
  try {
    return require(`${p}/package.json`).version as string;
  } catch {
    return JSON.parse(fs.readFileSync(path.join(BENCH_DIR, '..', 'node_modules', p, 'package.json'), 'utf8')).version as string;
  }
};
const results: any = {
  date: started.toISOString(),
  command: `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`,
  profile,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadavgAtStart: os.loadavg(),
  },
  versions: Object.fromEntries(
    ['@apollo/gateway', '@apollo/server', '@graphql-hive/gateway', 'graphql', 'autocannon', 'graphql-ws', 'postgres', '@electric-sql/pglite'].map((p) => [
      p,
      version(p),
    ]),
  ),
  database: process.env.DATABASE_URL ? 'postgresql' : 'pglite (in-memory)',
  gateways: {} as Record<string, any>,
  curve: {} as Record<string, any[]>,
  subscriptions: [] as any[],
  subscriptionFloor: [] as any[],
  sql: undefined as any,
  bus: [] as any[],
  notes: [] as string[],
};

const keys = generateKeys();
const secret = crypto.randomBytes(24).toString('base64url');
const adminUrl = process.env.DATABASE_URL;
const dbName = adminUrl ? `mg_bench_${crypto.randomBytes(5).toString('hex')}` : undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-bench-'));
const children: Child[] = [];
/** The event bus of the fan-out being measured (--fanout-buses). */
let currentBus = 'postgres';
let benchDbUrl = '';
let stockDbUrl = '';

async function withChild<T>(
  script: string,
  env: Record<string, string | undefined>,
  fn: (c: Child) => Promise<T>,
  opts: { cpuProf?: string } = {},
): Promise<T> {
  const c = startChild(script, env, opts);
  children.push(c);
  try {
    return await fn(c);
  } finally {
    await c.stop();
    children.splice(children.indexOf(c), 1);
  }
}

/**
 * CPU time per request by process over one measured cell: the gateway, the
 * subgraphs, the load generator and (on PostgreSQL) every postgres process.
 * Where the machine's cores go, so what a gateway could save at most.
 */
function cpuMeter(procs: Record<string, Child>): (requests: number) => Record<string, number> {
  const read = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(procs).map(([k, c]) => [k, cpuMsOfTree(c.pid)])),
    ...(adminUrl ? { postgres: cpuMsOfAll('postgres') } : {}),
  });
  const before = read();
  return (requests) => {
    const after = read();
    return Object.fromEntries(Object.keys(after).map((k) => [k, +((after[k] - (before[k] ?? 0)) / Math.max(1, requests)).toFixed(3)]));
  };
}

/**
 * Over a cell, from /proc/stat, in % of the machine's CPU time: `steal`, the
 * share the hypervisor gave to someone else (a cell with much of it ran on a
 * slower machine than its neighbours), and `busy`, the share not idle (under
 * 100 while requests queue: something waits other than for a core).
 */
function machineMeter(): () => { stealPct: number; busyPct: number } {
  const read = () => {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
      return { idle: (f[3] ?? 0) + (f[4] ?? 0), steal: f[7] ?? 0, total: f.reduce((a, b) => a + b, 0) };
    } catch {
      return { idle: 0, steal: 0, total: 0 };
    }
  };
  const before = read();
  return () => {
    const after = read();
    const total = Math.max(1, after.total - before.total);
    const pct = (x: number) => +((100 * x) / total).toFixed(1);
    return { stealPct: pct(after.steal - before.steal), busyPct: pct(total - (after.idle - before.idle) - (after.steal - before.steal)) };
  };
}

/** ms per delivery → µs per delivery, without PostgreSQL (idle in a fan-out, and shared with the sender's request). */
function perDelivery(ms: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(ms)
      .filter(([k]) => k !== 'postgres')
      .map(([k, v]) => [k, Math.round(v * 1000)]),
  );
}

function bodyOf(p: { query: string; variables?: Record<string, unknown> }): string {
  return JSON.stringify({ query: p.query, variables: p.variables ?? {} });
}

async function load(loader: Child, run: { url: string; bodies: string[]; tokens: string[]; connections: number; duration: number }) {
  loader.send({ type: 'run', run });
  const m = await loader.next('result', (run.duration + 60) * 1000);
  if (m.error) throw new Error(m.error);
  return m.result;
}

/**
 * Before any gateway is measured: fresh statistics for the seeded tables (on
 * PostgreSQL) and every page through every gateway, both modes, untimed.
 */
async function warmStack(loader: Child, urls: string[], data: BenchData, tokens: string[], dbUrl: string) {
  if (dbUrl) {
    const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe('vacuum analyze');
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  const bodies = pages(data.productId).map(bodyOf);
  const seconds = Math.max(3, profile.warmup * 2);
  for (const url of urls)
    for (const toks of [[data.buyerToken], tokens]) await load(loader, { url, bodies, tokens: toks, connections: profile.connections, duration: seconds });
  log(`stack warmed: ${bodies.length} pages through each of ${urls.length} gateways, both modes, ${seconds} s each${dbUrl ? ', after vacuum analyze' : ''}`);
}

async function main() {
  if (adminUrl && dbName) {
    benchDbUrl = await createDatabase(adminUrl, dbName);
    log(`fresh database ${dbName}`);
    if (stockTree) {
      stockDbUrl = await createDatabase(adminUrl, `${dbName}_stock`);
      const commit = execFileSync('git', ['-C', stockTree, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
      results.stockSubgraphs = { tree: stockTree, commit };
      log(`the other gateways run in front of the subgraphs of ${stockTree}, on ${dbName}_stock`);
    }
  }
  const base: Record<string, string | undefined> = {
    BENCH_KEYS: JSON.stringify(keys),
    BENCH_SECRET: secret,
    BENCH_DATABASE_URL: benchDbUrl,
    BENCH_SUBGRAPH_PROCESSES: subgraphProcesses ? '1' : '',
    // the processes run as deployed (graphql-js, among others, drops its development checks)
    NODE_ENV: 'production',
  };
  results.subgraphProcesses = subgraphProcesses ? 5 : 1;

  // the fan-out once per bus: the first pass runs every part asked for, the next ones the subscriptions only
  const fanoutBuses = (arg('fanout-buses') ?? 'postgres').split(',').filter((b) => b === 'postgres' || (b === 'nats' && adminUrl));
  for (const [pass, busKind] of fanoutBuses.entries()) {
    if (pass > 0) {
      if (!only.has('subscriptions')) break;
      only.delete('gateways');
      only.delete('curve');
      log(`subscription fan-out again, on the ${busKind} event bus`);
    }
    currentBus = busKind;
    base.BENCH_EVENT_BUS = busKind;
    base.BENCH_NATS_STREAM = `bench_${crypto.randomBytes(5).toString('hex')}`;
    await graphParts(base);
  }

  if (only.has('bus')) {
    if (!adminUrl) log('bus: skipped (needs DATABASE_URL: the JetStream bus runs on PostgreSQL only)');
    else {
      log('event buses side by side: PostgreSQL (publish lock) and NATS JetStream (outbox + relay)');
      results.bus = await busBench({
        adminUrl,
        natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
        seconds: Number(arg('bus-seconds') ?? (full ? 20 : 5)),
        publishers: Number(arg('bus-publishers') ?? 16),
        log,
      });
    }
  }

  if (only.has('sql')) {
    log('sql statements per operation (in-process stack)');
    results.sql = await sqlPerOperation({ checkouts: full ? 60 : 25, log });
    for (const r of results.sql.rows) log(`sql ${r.operation} N=${r.pageSize} (${r.returned} rows): ${r.total} statements`);
  }
}

/** --stock-subgraphs: the other checkout's subgraphs, on their own database, as this checkout's are started. */
async function startStockSubgraphs(base: Record<string, string | undefined>): Promise<{ child: Child; urls: Record<string, string> }> {
  const child = startChild('subgraphs-proc.ts', { ...base, BENCH_DATABASE_URL: stockDbUrl }, { benchDir: path.join(stockTree!, 'bench') });
  children.push(child);
  const { urls } = await child.next('ready', 180_000);
  log(`stock subgraphs (${results.stockSubgraphs.commit}) up: ${Object.values(urls).join(' ')}`);
  return { child, urls };
}

/** The subgraphs, the gateways and the parts measured through them (gateways, curve, subscriptions), on `base`'s event bus. */
async function graphParts(base: Record<string, string | undefined>) {
  if (!(only.has('gateways') || only.has('curve') || only.has('subscriptions'))) return;
  const profDir = path.join(BENCH_DIR, 'results', `cpu-${stamp}`);
  await withChild(
    'subgraphs-proc.ts',
    base,
    async (subgraphs) => {
      const { urls } = await subgraphs.next('ready');
      log(`subgraphs up: ${Object.values(urls).join(' ')}`);
      results.subgraphsRssMbAtStart = +(subgraphs.rssBytes() / 2 ** 20).toFixed(1);
      // the supergraph, with the bench subgraphs' URLs
      const supergraphOf = (file: string, at: Record<string, string>, name: string) => {
        let sdl = fs.readFileSync(file, 'utf8');
        for (const [n, u] of Object.entries(at)) sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${n}", url: ")[^"]*(")`), `$1${u}$2`);
        const out = path.join(tmp, name);
        fs.writeFileSync(out, sdl);
        return out;
      };
      const supergraph = supergraphOf(SUPERGRAPH_FILE, urls, 'supergraph.graphql');
      // --stock-subgraphs: the other gateways in front of another checkout's subgraphs (and supergraph)
      const stock = stockTree && (only.has('gateways') || only.has('curve')) ? await startStockSubgraphs(base) : undefined;
      const stockSupergraph = stock && supergraphOf(path.join(stockTree!, 'schema', 'supergraph.graphql'), stock.urls, 'supergraph-stock.graphql');
      const onStock = (kind: GatewayKind) => Boolean(stock) && kind !== 'ours';
      const subgraphsOf = (kind: GatewayKind) => (onStock(kind) ? stock!.child : subgraphs);
      const gwEnv = (kind: GatewayKind) =>
        onStock(kind)
          ? { ...base, BENCH_GATEWAY: kind, BENCH_URLS: JSON.stringify(stock!.urls), BENCH_SUPERGRAPH: stockSupergraph }
          : { ...base, BENCH_GATEWAY: kind, BENCH_URLS: JSON.stringify(urls), BENCH_SUPERGRAPH: supergraph };

      let data!: BenchData;
      let tokens!: string[];
      /** The stock stack's own bench buyer and tokens (its database has other ids). */
      let stockData: BenchData | undefined;
      let stockTokens: string[] | undefined;
      const dataOf = (kind: GatewayKind) => (onStock(kind) ? stockData! : data);
      const tokensOf = (kind: GatewayKind) => (onStock(kind) ? stockTokens! : tokens);
      await withChild('load-proc.ts', {}, async (loader) => {
        await loader.next('ready');
        const kinds = GATEWAYS.filter((kind) => only.has('gateways') || only.has('curve') || (kind === 'ours' && only.has('subscriptions')));
        // Every gateway runs from the start, idle while another is measured, and each cell is
        // measured on all of them back to back, the first one rotating from cell to cell: a drift
        // of the machine (CPU steal, PostgreSQL's caches, the subgraphs' JIT) then falls on every
        // gateway alike instead of on whichever is measured first.
        const gws = new Map<GatewayKind, { gw: Child; url: string }>();
        const stopGateway = async (kind: GatewayKind) => {
          const { gw } = gws.get(kind)!;
          gws.delete(kind);
          children.splice(children.indexOf(gw), 1);
          await gw.stop();
        };
        try {
          for (const kind of kinds) {
            const gw = startChild('gateway-proc.ts', gwEnv(kind), cpuProf ? { cpuProf: path.join(profDir, `gateway-${kind}`) } : {});
            children.push(gw);
            const { url } = await gw.next('ready', 120_000);
            gws.set(kind, { gw, url });
            log(`${LABEL[kind]} up at ${url} (rss ${(gw.rssBytes() / 2 ** 20).toFixed(0)} MB)`);
          }
          // each stack (this one; with --stock-subgraphs also the stock one) gets its bench buyer
          const seedThrough = async (url: string) => {
            const d = await seedBuyer(url, { checkouts: profile.checkouts });
            // the sign-in tokens last 15 minutes, a full run longer: the same people, tokens of an hour
            d.buyerToken = (await mintTokens(keys, d.buyerToken, 1))[0];
            d.sellerToken = (await mintTokens(keys, d.sellerToken, 1))[0];
            const t = await mintTokens(keys, d.buyerToken, profile.distinctTokens);
            // Subgraphs remember the tokens they verified, and they serve every gateway: let them see
            // each distinct token once now, or the first gateway measured would pay for verifications
            // the later ones find remembered.
            const dashboard = pages(d.productId).find((p) => p.name === 'dashboard')!;
            let next = 0;
            await Promise.all(
              Array.from({ length: 16 }, async () => {
                while (next < t.length) await new GraphQLClient(url, t[next++]).request(dashboard.query, dashboard.variables);
              }),
            );
            return { d, t };
          };
          const first = gws.get(kinds.find((k) => !onStock(k)) ?? kinds[0])!;
          ({ d: data, t: tokens } = await seedThrough(first.url));
          results.seed = { orders: data.orders, productId: data.productId, distinctTokens: tokens.length };
          log(`seeded: buyer with ${data.orders} orders, ${tokens.length} distinct tokens (verified once by the subgraphs)`);
          const stockFirst = kinds.find((k) => onStock(k));
          if (stockFirst) {
            ({ d: stockData, t: stockTokens } = await seedThrough(gws.get(stockFirst)!.url));
            log(`stock stack seeded: buyer with ${stockData.orders} orders, ${stockTokens.length} distinct tokens`);
          }
          if (only.has('gateways') || only.has('curve')) {
            const ofStack = (stockStack: boolean) => [...gws].filter(([k]) => onStock(k) === stockStack).map(([, g]) => g.url);
            await warmStack(loader, ofStack(false), data, tokens, benchDbUrl);
            if (stockData) await warmStack(loader, ofStack(true), stockData, stockTokens!, stockDbUrl);
          }

          for (const [kind, { gw, url }] of gws) {
            // a later pass (--fanout-buses: the fan-out again on another bus) keeps what the first measured
            const entry: any = (results.gateways[kind] ??= { label: LABEL[kind], rssIdleMb: +((await gw.settledRss()) / 2 ** 20).toFixed(1), runs: {} });
            // sanity: every page answers without errors through this gateway
            const client = new GraphQLClient(url, dataOf(kind).buyerToken);
            entry.check = {};
            for (const p of pages(dataOf(kind).productId)) {
              const r = await client.request(p.query, p.variables);
              entry.check[p.name] = r.errors?.length
                ? `errors: ${JSON.stringify(r.errors).slice(0, 300)}`
                : r.status === 200 && r.data
                  ? 'ok'
                  : `status ${r.status}`;
            }
            log(`${kind} check: ${JSON.stringify(entry.check)}`);
          }
          const measured = [...gws.keys()];
          /** The gateways in the order to measure the next cell in: rotated by one per cell. */
          let cell = 0;
          const rotation = () => {
            const n = measured.length;
            const k = cell++ % Math.max(1, n);
            return [...measured.slice(k), ...measured.slice(0, k)];
          };
          /** A workload's request bodies for a gateway's stack (the product page names that stack's product). */
          const bodiesOf = (kind: GatewayKind, name: string) => {
            const ps = pages(dataOf(kind).productId);
            return name === 'mix' ? ps.map(bodyOf) : ps.filter((p) => p.name === name).map(bodyOf);
          };
          if (only.has('gateways')) {
            const workloads = [...pages(data.productId).map((p) => ({ name: p.name })), { name: 'mix' }];
            for (const mode of ['identical', 'distinct'] as const) {
              const toksOf = (kind: GatewayKind) => (mode === 'identical' ? [dataOf(kind).buyerToken] : tokensOf(kind));
              for (const w of workloads) {
                // the mix is the headline: measured in `mixRounds` rounds (each on every gateway,
                // rotating), the round with the median RPS reported and every round kept beside it
                const rounds = w.name === 'mix' ? profile.mixRounds : 1;
                const byKind = new Map<GatewayKind, any[]>();
                for (let round = 0; round < rounds; round++)
                  for (const kind of rotation()) {
                    const { gw, url } = gws.get(kind)!;
                    const run = { url, bodies: bodiesOf(kind, w.name), tokens: toksOf(kind), connections: profile.connections };
                    await load(loader, { ...run, duration: profile.warmup });
                    const cpu = cpuMeter({ gateway: gw, subgraphs: subgraphsOf(kind), load: loader });
                    const machine = machineMeter();
                    const r = await load(loader, { ...run, duration: profile.duration });
                    r.cpuMsPerRequest = cpu(r.requests);
                    Object.assign(r, machine());
                    r.rssMb = +(gw.rssBytes() / 2 ** 20).toFixed(1);
                    byKind.set(kind, [...(byKind.get(kind) ?? []), r]);
                    log(
                      `${kind} ${mode}/${w.name}${rounds > 1 ? ` round ${round + 1}` : ''}: ${r.rps.toFixed(0)} rps p50 ${r.p50} p99 ${r.p99} ms errors ${r.errors} gqlErr~${r.gqlErrorsEstimate} rss ${r.rssMb} MB busy ${r.busyPct} % steal ${r.stealPct} %`,
                    );
                    await sleep(1000); // abandoned requests of this cell finish before the next gateway's warm-up
                  }
                for (const [kind, rs] of byKind) {
                  const median = [...rs].sort((a, b) => a.rps - b.rps)[Math.floor((rs.length - 1) / 2)];
                  if (rs.length > 1) median.rounds = rs.map((x) => ({ rps: x.rps, p50: x.p50, p99: x.p99, errors: x.errors }));
                  results.gateways[kind].runs[`${mode}/${w.name}`] = median;
                }
              }
            }
          }
          if (only.has('curve')) {
            for (const c of profile.curve) {
              for (const kind of rotation()) {
                const { url } = gws.get(kind)!;
                const run = { url, bodies: bodiesOf(kind, 'mix'), tokens: tokensOf(kind), connections: c };
                await load(loader, { ...run, duration: Math.max(1, Math.ceil(profile.warmup / 2)) });
                const r = await load(loader, { ...run, duration: Math.max(2, Math.ceil(profile.duration * 0.6)) });
                (results.curve[kind] ??= []).push({ connections: c, rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors });
                log(`${kind} curve c=${c}: ${r.rps.toFixed(0)} rps p99 ${r.p99} ms`);
              }
            }
          }
          // the subscription part has the machine to itself: every other gateway stops first
          for (const kind of [...gws.keys()]) if (kind !== 'ours' || !only.has('subscriptions')) await stopGateway(kind);
          const ours = gws.get('ours');
          if (ours && only.has('subscriptions')) {
            await sleep(2000);
            await subscriptions(ours.url, data, ours.gw, { subgraphs, profDir });
          }
        } finally {
          for (const kind of [...gws.keys()]) await stopGateway(kind);
        }
      });
      results.subgraphsRssMbAtEnd = +(subgraphs.rssBytes() / 2 ** 20).toFixed(1);
      if (stock) {
        await stock.child.stop();
        children.splice(children.indexOf(stock.child), 1);
      }
    },
    cpuProf ? { cpuProf: path.join(profDir, 'subgraphs') } : {},
  );
}

async function subscriptions(url: string, data: BenchData, gw: Child, procs: { subgraphs: Child; profDir: string }) {
  const wsUrl = url.replace(/^http/, 'ws');
  const sellerTokens = await mintTokens(keys, data.sellerToken, 200);
  const buyer = new GraphQLClient(url, data.buyerToken);
  // on PostgreSQL: its commit time and, for a slow sendMessage, what its backends were doing (lib/dbwatch.ts)
  const dbWatch = benchDbUrl ? new DbWatch(benchDbUrl) : undefined;
  try {
    await withChild('subs-proc.ts', {}, async (subs) => {
      await subs.next('ready');
      // churn: rounds of 1,000 subscribe/complete cycles on one socket; a leak shows as heap growing round after round
      const stats = async () => {
        gw.send({ type: 'subscription-stats' });
        return gw.next('subscription-stats');
      };
      const churn: any = (results.subscriptionChurn = { cyclesPerRound: 1000, rounds: [] as any[] });
      churn.heapBeforeMb = +((await gw.settledHeap()) / 2 ** 20).toFixed(2);
      for (let round = 1; round <= 4; round++) {
        subs.send({ type: 'churn', url: wsUrl, token: sellerTokens[0], cycles: churn.cyclesPerRound });
        const c = await subs.next('churned', 300_000);
        await sleep(1000);
        const s = await stats();
        const heap = await gw.settledHeap();
        churn.rounds.push({
          round,
          acked: c.acked,
          errors: c.errors,
          upstreamAfter: s.upstream,
          streamsAfter: s.streams,
          socketsAfter: s.sockets,
          heapMb: +(heap / 2 ** 20).toFixed(2),
        });
        log(`churn round ${round}: ${churn.cyclesPerRound} cycles, upstream ${s.upstream}, streams ${s.streams}, heap ${(heap / 2 ** 20).toFixed(2)} MB`);
      }
      // growth from the end of the first round (warm: code compiled, pools opened) to the end of the last
      const r = churn.rounds;
      churn.growthAfterWarmupKb = Math.round((r.at(-1).heapMb - r[0].heapMb) * 1024);
      churn.bytesPerCycleAfterWarmup = Math.round(((r.at(-1).heapMb - r[0].heapMb) * 2 ** 20) / (churn.cyclesPerRound * (r.length - 1)));
      // Two series: sockets spread over 200 sessions of the seller, then a session per socket; either
      // way one person asking one thing: one upstream subscription (gateway/subscriptions/sharing.ts).
      const perSocketTokens = await mintTokens(keys, data.sellerToken, Math.max(...profile.subscribers));
      for (const tokens of [sellerTokens, perSocketTokens]) {
        await series(tokens);
        subs.send({ type: 'close' });
        await subs.next('closed');
        await sleep(2000);
      }
      await floor(subs);

      async function series(tokens: string[]) {
        const rows: any[] = [];
        let open = 0;
        let start: { rss: number; heap: number } | undefined; // the gateway before the series' first socket
        for (const n of profile.subscribers) {
          await sleep(1500);
          const rssBefore = await gw.settledRss();
          const heapBefore = await gw.settledHeap();
          start ??= { rss: rssBefore, heap: heapBefore };
          const t0 = Date.now();
          subs.send({ type: 'open', url: wsUrl, tokens, count: n - open });
          const opened = await subs.next('opened', 600_000);
          open = n;
          const openS = (Date.now() - t0) / 1000;
          await sleep(3000); // let upstream subscriptions settle
          const rssAfter = await gw.settledRss();
          const heapAfter = await gw.settledHeap();
          if (heapSnapshot && n === Math.max(...profile.subscribers)) {
            gw.send({ type: 'heap-snapshot', file: path.join(BENCH_DIR, 'results', `heap-${stamp}.heapsnapshot`) });
            log(`heap snapshot: ${(await gw.next('heap-snapshot', 300_000)).file}`);
          }
          log(
            `subscriptions ${n} (${Math.min(n, tokens.length)} sessions): opened in ${openS.toFixed(1)} s (acked ${opened.acked}, errors ${opened.errors}, closed ${opened.closed}); rss ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MB`,
          );
          // a few messages to the demo store; every subscribed seller socket receives each one
          const messages = profile.messages;
          let mutationMs: number[] = [];
          /** The requests still unanswered after 300 ms, with what PostgreSQL's backends were doing then. */
          const slowSends: { message: number; ms: number; backends: string[] }[] = [];
          const send = async (body: string) => {
            const request = () =>
              buyer.request(`mutation($input: SendMessageInput!) { sendMessage(input: $input) { userErrors { code message } } }`, {
                input: { storeId: data.storeId, body },
              });
            const { value: r, ms, backends } = dbWatch ? await dbWatch.watch(request) : await timed(request);
            mutationMs.push(ms);
            if (backends) slowSends.push({ message: mutationMs.length, ms, backends });
            if (r.errors?.length || (r.data as any)?.sendMessage?.userErrors?.length)
              results.notes.push(`sendMessage failed: ${JSON.stringify(r.errors ?? r.data).slice(0, 200)}`);
          };
          // warm-up: one message to every socket first, not measured (its p99 is kept apart: the
          // first delivery through freshly opened sockets runs code not yet compiled, here and in
          // the subscriber process alike)
          const warmup = await deliveries(subs, 1, opened.acked, send);
          mutationMs = [];
          slowSends.length = 0;
          // --cpu-prof: also a profile of every process over the delivery window alone, at the largest size
          const windowed =
            cpuProf && n === Math.max(...profile.subscribers)
              ? ([
                  ['gateway', gw],
                  ['subgraphs', procs.subgraphs],
                  ['subscribers', subs],
                ] as const)
              : [];
          for (const [, c] of windowed) await c.startProfile();
          const cpu = cpuMeter({ gateway: gw, subgraphs: procs.subgraphs, subscribers: subs });
          const machine = machineMeter();
          // the measured messages: nothing but the system and the subscribers runs, as for the floor
          const { received, summary } = await deliveries(subs, messages, opened.acked, send);
          const cpuUs = perDelivery(cpu(received));
          const machineUse = machine();
          for (const [name, c] of windowed)
            await c.stopProfile(path.join(procs.profDir, 'delivery', `${name}-${n}-${Math.min(n, tokens.length)}-sessions.cpuprofile`));
          if (windowed.length) log(`delivery-window profiles: ${path.join(procs.profDir, 'delivery')}`);
          // then as many again, watched: PostgreSQL's commit time (DbWatch.probe) and a `{ __typename }`
          // query to the gateway every 50 ms (how long a fan-out holds up HTTP requests). The floor has
          // neither to answer, so these messages are reported apart (probedP99Ms), not in the p99
          const stopProbe = dbWatch?.probe();
          const stopGatewayProbe = probe(
            () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).then((r) => r.text()),
            50,
          );
          const probed = await deliveries(subs, messages, opened.acked, send);
          const commitProbe = await stopProbe?.();
          const gatewayProbe = await stopGatewayProbe();
          const row = {
            subscribers: n,
            sessions: Math.min(n, tokens.length),
            acked: opened.acked,
            openErrors: opened.errors,
            closedDuringOpen: opened.closed,
            openSeconds: +openS.toFixed(1),
            gatewayRssBeforeMb: +(rssBefore / 2 ** 20).toFixed(1),
            gatewayRssAfterMb: +(rssAfter / 2 ** 20).toFixed(1),
            bytesPerIdleSubscription: Math.round((rssAfter - rssBefore) / Math.max(1, n - (rows.at(-1)?.subscribers ?? 0))),
            // the JavaScript part of it (V8 heap after a full GC); the rest is native: sockets, buffers, allocator
            heapBytesPerIdleSubscription: Math.round((heapAfter - heapBefore) / Math.max(1, n - (rows.at(-1)?.subscribers ?? 0))),
            // what holding all n costs, per subscription: the growth since the series' first socket ÷ n
            heldBytesPerSubscription: Math.round((rssAfter - start.rss) / n),
            heldHeapBytesPerSubscription: Math.round((heapAfter - start.heap) / n),
            messages,
            ...summary,
            sendMutationMeanMs: +(mutationMs.reduce((a, b) => a + b, 0) / mutationMs.length).toFixed(1),
            // each sendMessage's time through the gateway, in the order sent
            sendMutationMs: mutationMs,
            slowSends,
            // the watched messages (after the measured ones): their p99, PostgreSQL's own commit time
            // (DbWatch.probe: a stall of the database shows here) and a `{ __typename }` query to the
            // gateway every 50 ms (how long a fan-out holds up its HTTP requests)
            probedP99Ms: probed.summary.deliveryP99Ms,
            probedFirstMs: probed.summary.perMessageFirstMs,
            commitProbe,
            gatewayProbe,
            // the unmeasured warm-up message's p99 (cold code paths)
            warmupMessageP99Ms: warmup.perMessageP99[0],
            // CPU per delivered message by process, over the measured messages' window (µs)
            cpuUsPerDelivery: cpuUs,
            ...machineUse,
          };
          rows.push(row);
          results.subscriptions.push({ bus: currentBus, ...row });
          log(
            `subscriptions ${n} (${row.sessions} sessions): delivered ${received}/${row.expectedDeliveries}, p50 ${row.deliveryP50Ms} ms p99 ${row.deliveryP99Ms} ms (from the request: ${row.fromRequestP50Ms} / ${row.fromRequestP99Ms} ms; first delivery of each message ${row.perMessageFirstMs.join(', ')} ms; watched: p99 ${row.probedP99Ms} ms), ${row.bytesPerIdleSubscription} B/sub`,
          );
          for (const x of slowSends) log(`  sendMessage ${x.message} took ${x.ms} ms; at 300 ms PostgreSQL: ${x.backends.join(' | ')}`);
        }
      }
    });
  } finally {
    await dbWatch?.end();
  }
}

/** `fn`'s value and time. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; backends?: string[] }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t) };
}

/**
 * Send `messages` bodies "bench:<now>" one second apart with `send`, then
 * collect receipts until every one of `messages` × `subscribers` arrived or
 * nothing came for 10 s (at most 60 s). An undelivered message counts as
 * infinitely late in the percentiles.
 */
async function deliveries(subs: Child, messages: number, subscribers: number, send: (body: string) => Promise<void>) {
  subs.send({ type: 'collect' });
  await subs.next('collected');
  for (let i = 0; i < messages; i++) {
    await send(`bench:${Date.now()}`);
    await sleep(1000);
  }
  const deadline = Date.now() + 60_000;
  let lat: number[] = [];
  let received = 0;
  const byMessage = new Map<string, number[]>();
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < 10_000) {
    await sleep(1000);
    subs.send({ type: 'collect' });
    const c = await subs.next('collected');
    lat = lat.concat(c.latencies);
    for (const [body, xs] of Object.entries((c.byMessage ?? {}) as Record<string, number[]>)) byMessage.set(body, (byMessage.get(body) ?? []).concat(xs));
    received += c.received;
    if (c.received) quietSince = Date.now();
    if (received >= messages * subscribers) break;
  }
  lat.sort((a, b) => a - b);
  const fromStamp = [...byMessage.values()].flat().sort((a, b) => a - b);
  const expected = messages * subscribers;
  const quantile = (xs: number[]) => (p: number) => {
    const i = Math.min(expected - 1, Math.floor((p / 100) * expected));
    return i < xs.length ? xs[i] : null;
  };
  // each message's own p99 (an undelivered share past 1 % reads null), in the order sent
  const perMessageP99 = [...byMessage.entries()]
    .sort(([a], [b]) => Number(a.slice(6)) - Number(b.slice(6)))
    .map(([, xs]) => {
      xs.sort((a, b) => a - b);
      const i = Math.floor(0.99 * subscribers);
      return i < xs.length ? xs[i] : null;
    });
  while (perMessageP99.length < messages) perMessageP99.push(null); // a message nobody received
  // each message's first delivery (sorted above): what comes before the fan-out itself (the commit,
  // the bus, the upstream frame, the gateway's answer); the rest up to its p99 is the fan-out
  const perMessageFirst = [...byMessage.entries()].sort(([a], [b]) => Number(a.slice(6)) - Number(b.slice(6))).map(([, xs]) => xs[0] ?? null);
  const q = quantile(fromStamp);
  const fromRequest = quantile(lat);
  // the report's fields, the same for this gateway and the floor
  const summary = {
    expectedDeliveries: expected,
    delivered: received,
    deliveryP50Ms: q(50),
    deliveryP99Ms: q(99),
    deliveryMaxMs: fromStamp.at(-1) ?? null,
    fromRequestP50Ms: fromRequest(50),
    fromRequestP99Ms: fromRequest(99),
    // p99 of each message's deliveries, in the order sent (the spread between messages)
    perMessageP99Ms: perMessageP99,
    perMessageFirstMs: perMessageFirst,
  };
  return { received, perMessageP99, summary };
}

/**
 * The machine's floor for the same fan-out: the same subscriber process on a
 * bare ws server (bench/floor-proc.ts: no GraphQL, no subgraph, no database),
 * one JSON encoding and one write per subscriber.
 */
async function floor(subs: Child) {
  await withChild('floor-proc.ts', {}, async (fl) => {
    const { url } = await fl.next('ready');
    let open = 0;
    for (const n of profile.subscribers) {
      subs.send({ type: 'open', url, tokens: ['floor'], count: n - open });
      const opened = await subs.next('opened', 600_000);
      open = n;
      await sleep(1000);
      const messages = profile.messages;
      const broadcast = async (body: string) => {
        fl.send({ type: 'broadcast', body });
        await fl.next('broadcasted');
      };
      const warmup = await deliveries(subs, 1, opened.acked, broadcast); // as for this gateway: not measured
      const windowed =
        cpuProf && n === Math.max(...profile.subscribers)
          ? ([
              ['floor', fl],
              ['floor-subscribers', subs],
            ] as const)
          : [];
      for (const [, c] of windowed) await c.startProfile();
      const cpu = cpuMeter({ floor: fl, subscribers: subs });
      const machine = machineMeter();
      const { received, summary } = await deliveries(subs, messages, opened.acked, broadcast);
      for (const [name, c] of windowed) await c.stopProfile(path.join(BENCH_DIR, 'results', `cpu-${stamp}`, 'delivery', `${name}-${n}.cpuprofile`));
      const row = {
        subscribers: n,
        acked: opened.acked,
        ...summary,
        warmupMessageP99Ms: warmup.perMessageP99[0],
        cpuUsPerDelivery: perDelivery(cpu(received)),
        ...machine(),
      };
      results.subscriptionFloor.push(row);
      log(
        `floor ${n}: delivered ${received}/${row.expectedDeliveries}, p50 ${row.deliveryP50Ms} ms p99 ${row.deliveryP99Ms} ms; first delivery of each message ${row.perMessageFirstMs.join(', ')} ms`,
      );
    }
    subs.send({ type: 'close' });
    await subs.next('closed');
  });
}

let failed: unknown;
try {
  await main();
} catch (err) {
  failed = err;
  results.notes.push(`run aborted: ${String((err as Error)?.stack ?? err).slice(0, 500)}`);
  console.error(err);
} finally {
  for (const c of children.splice(0).reverse()) await c.stop().catch(() => {});
  if (adminUrl && dbName) await dropDatabase(adminUrl, dbName).catch((e) => console.error('could not drop', dbName, e));
  if (adminUrl && stockDbUrl) await dropDatabase(adminUrl, `${dbName}_stock`).catch((e) => console.error('could not drop', `${dbName}_stock`, e));
  fs.rmSync(tmp, { recursive: true, force: true });
}
results.finished = new Date().toISOString();
results.machine.loadavgAtEnd = os.loadavg();
const outDir = path.join(BENCH_DIR, 'results');
fs.mkdirSync(outDir, { recursive: true });
const jsonFile = path.join(outDir, `${stamp}.json`);
fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2));
let svgFile: string | undefined;
if (Object.keys(results.curve).length) {
  const colors: Record<string, string> = { ours: '#d62728', apollo: '#1f77b4', hive: '#ff7f0e' };
  const svg = lineChart(
    'Marketplace mix, distinct tokens: p99 latency against load',
    'achieved requests per second',
    'p99 latency (ms)',
    Object.entries(results.curve).map(([k, pts]: [string, any]) => ({
      name: LABEL[k as GatewayKind],
      color: colors[k],
      points: pts.map((p: any) => ({ x: p.rps, y: p.p99, label: `c${p.connections}` })),
    })),
  );
  svgFile = path.join(outDir, `${stamp}-latency.svg`);
  fs.writeFileSync(svgFile, svg);
}
writeReport(results, { jsonFile, svgFile, out: path.join(BENCH_DIR, 'RESULTS.md') });
log(`results: ${path.relative(process.cwd(), jsonFile)}${svgFile ? `, ${path.relative(process.cwd(), svgFile)}` : ''}, bench/RESULTS.md`);
process.exit(failed ? 1 : 0);
