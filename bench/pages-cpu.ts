/**
 * `npx tsx bench/pages-cpu.ts [--rounds=3] [--duration=6] [--connections=16] [--statements]` (needs DATABASE_URL):
 * the subgraphs' and PostgreSQL's CPU time per request of each marketplace page.
 *
 * On a fresh PostgreSQL database (dropped afterwards): the five subgraphs, each its own
 * process (bench/subgraphs-proc.ts), this project's gateway in front, the bench buyer
 * seeded (bench/lib/seed.ts). Each page alone and the mix, one signed-in buyer, load from
 * autocannon (bench/load-proc.ts), a warm-up before every measurement. The CPU counted is
 * the subgraph processes' (their tree) and that of the PostgreSQL backends serving this
 * database (pg_stat_activity); not the gateway's nor the load generator's. On a shared,
 * loaded machine CPU per request is what compares, not requests per second. With
 * --statements, the statements this database ran most often (pg_stat_statements).
 * --tokens=N: N distinct tokens of the buyer, one per request in turn (as bench/run.ts's
 * "distinct" mode), so that the gateway's de-duplication of identical subgraph queries in
 * flight (SUBGRAPH_DEDUPLICATION) does not share answers between requests; each token is
 * verified by the subgraphs once before anything is measured. Default 1: identical requests.
 * --pages=search,mix: only those workloads. --profile=<dir>: after the measured rounds, one
 * more window per workload with a CPU profile of each subgraph process,
 * <dir>/<workload>/<subgraph>.cpuprofile (summarise with bench/profile.ts); the profiler's
 * own cost stays out of the numbers.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { generateKeys } from '../platform/auth.ts';
import { createDatabase, dropDatabase } from '../platform/db.ts';
import { SUPERGRAPH_FILE } from '../gateway/server.ts';
import { cpuMsOf, cpuMsOfTree, startChild, type Child } from './lib/proc.ts';
import { GraphQLClient } from '../test/helpers/client.ts';
import { mintTokens, seedBuyer } from './lib/seed.ts';
import { pages } from './operations.ts';

const args = process.argv.slice(2);
const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const rounds = Number(arg('rounds') ?? 3);
const duration = Number(arg('duration') ?? 6);
const connections = Number(arg('connections') ?? 16);
const only = arg('pages')?.split(',');
const tokenCount = Number(arg('tokens') ?? 1);
const profileDir = arg('profile');
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) throw new Error('set DATABASE_URL (PostgreSQL): this measures PostgreSQL backends too');
const log = (s: string) => console.log(`[pages-cpu ${new Date().toISOString().slice(11, 19)}] ${s}`);

const dbName = `mg_cpu_${crypto.randomBytes(5).toString('hex')}`;
const keys = generateKeys();
const secret = crypto.randomBytes(24).toString('base64url');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-cpu-'));
const children: Child[] = [];
const start = (script: string, env: Record<string, string | undefined>) => {
  const c = startChild(script, env);
  children.push(c);
  return c;
};

const dbUrl = await createDatabase(adminUrl, dbName);
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
try {
  const base = { BENCH_KEYS: JSON.stringify(keys), BENCH_SECRET: secret, BENCH_DATABASE_URL: dbUrl, BENCH_SUBGRAPH_PROCESSES: '1' };
  const subgraphs = start('subgraphs-proc.ts', base);
  const { urls } = await subgraphs.next('ready', 300_000);
  let sdl = fs.readFileSync(SUPERGRAPH_FILE, 'utf8');
  for (const [name, u] of Object.entries(urls)) sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${u}$2`);
  fs.writeFileSync(path.join(tmp, 'supergraph.graphql'), sdl);
  const gw = start('gateway-proc.ts', {
    ...base,
    BENCH_GATEWAY: 'ours',
    BENCH_URLS: JSON.stringify(urls),
    BENCH_SUPERGRAPH: path.join(tmp, 'supergraph.graphql'),
  });
  const { url } = await gw.next('ready', 120_000);
  const loader = start('load-proc.ts', {});
  await loader.next('ready');
  const data = await seedBuyer(url, { checkouts: 6 });
  // distinct tokens (--tokens): the same buyer, a session each; each one seen by the subgraphs once now
  const tokens = tokenCount > 1 ? await mintTokens(keys, data.buyerToken, tokenCount) : [data.buyerToken];
  if (tokenCount > 1) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < tokens.length) {
          const client = new GraphQLClient(url, tokens[next++]);
          for (const p of pages(data.productId)) await client.request(p.query, p.variables);
        }
      }),
    );
  }
  await admin.unsafe(`select 1`);
  const seeded = postgres(dbUrl, { max: 1, onnotice: () => {} });
  await seeded.unsafe('vacuum analyze');
  await seeded.end({ timeout: 5 });
  log(`stack up, buyer seeded with ${data.orders} orders, ${tokens.length} distinct token(s)`);

  /** CPU ms so far of the PostgreSQL backends connected to this database. */
  const backends = async () => {
    const rows = await admin.unsafe<{ pid: number }[]>(`select pid from pg_stat_activity where datname = $1`, [dbName]);
    return new Map(rows.map((r) => [r.pid, cpuMsOf(r.pid)]));
  };
  const load = async (bodies: string[], seconds: number) => {
    loader.send({ type: 'run', run: { url, bodies, tokens, connections, duration: seconds } });
    const m = await loader.next('result', (seconds + 60) * 1000);
    if (m.error) throw new Error(m.error);
    return m.result;
  };
  const ps = pages(data.productId);
  const body = (p: (typeof ps)[number]) => JSON.stringify({ query: p.query, variables: p.variables ?? {} });
  const workloads = [...ps.map((p) => ({ name: p.name, bodies: [body(p)] })), { name: 'mix', bodies: ps.map(body) }].filter(
    (w) => !only || only.includes(w.name),
  );
  const results: Record<string, { subgraphs: number; postgres: number; total: number; rps: number; errors: number }[]> = {};
  /** CPU ms of the subgraphs and of this database's backends while `during` runs, and how long it ran. */
  const meter = async <T>(during: () => Promise<T>) => {
    const t0 = performance.now();
    const sg0 = cpuMsOfTree(subgraphs.pid);
    const pg0 = await backends();
    const result = await during();
    const sg1 = cpuMsOfTree(subgraphs.pid);
    const pg1 = await backends();
    let pgMs = 0;
    for (const [pid, ms] of pg1) pgMs += ms - (pg0.get(pid) ?? 0);
    return { result, sg: sg1 - sg0, pg: pgMs, ms: performance.now() - t0 };
  };
  await load(workloads.at(-1)!.bodies, 15); // JIT and caches warm (the mix, or the last page asked for)
  for (let round = 0; round < rounds; round++) {
    for (const w of workloads) {
      await load(w.bodies, 3);
      // the background work (event consumers, sweepers) while idle, taken off the loaded window's CPU
      const idle = await meter(() => new Promise((r) => setTimeout(r, 3000)));
      const m = await meter(() => load(w.bodies, duration));
      const r = m.result;
      const sg = Math.max(0, m.sg - (idle.sg * m.ms) / idle.ms);
      const pg = Math.max(0, m.pg - (idle.pg * m.ms) / idle.ms);
      const us = (ms: number) => Math.round((1000 * ms) / Math.max(1, r.requests));
      const row = { subgraphs: us(sg), postgres: us(pg), total: us(sg + pg), rps: Math.round(r.rps), errors: r.errors + r.gqlErrorsEstimate };
      (results[w.name] ??= []).push(row);
      log(`round ${round + 1} ${w.name}: ${JSON.stringify(row)} (µs CPU per request)`);
    }
  }
  if (profileDir) {
    for (const w of workloads) {
      await load(w.bodies, 3);
      subgraphs.send({ type: 'profile-subgraphs-start' });
      await subgraphs.next('profile-subgraphs-started', 60_000);
      const r = await load(w.bodies, duration);
      subgraphs.send({ type: 'profile-subgraphs-stop', dir: path.resolve(profileDir, w.name) });
      await subgraphs.next('profile-subgraphs-stopped', 300_000);
      log(`profiled ${w.name} over ${r.requests} requests: ${path.resolve(profileDir, w.name)}`);
    }
  }
  if (args.includes('--statements')) {
    // what the pages ran, from pg_stat_statements (when installed), for this database only
    const top = await admin
      .unsafe<{ calls: string; ms: string; query: string }[]>(
        `select calls, round((total_exec_time + total_plan_time)::numeric, 1) as ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query
         from pg_stat_statements where dbid = (select oid from pg_database where datname = $1) order by calls desc limit 30`,
        [dbName],
      )
      .catch(() => []);
    for (const t of top) console.log(`  ${t.calls.padStart(7)} calls ${t.ms.padStart(9)} ms  ${t.query}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  console.log('\nmedian CPU µs per request (subgraphs + PostgreSQL backends):');
  for (const [name, rs] of Object.entries(results))
    console.log(
      `  ${name.padEnd(10)} subgraphs ${median(rs.map((r) => r.subgraphs))}  postgres ${median(rs.map((r) => r.postgres))}  total ${median(rs.map((r) => r.total))}  (totals ${rs.map((r) => r.total).join(', ')})`,
    );
} finally {
  for (const c of children.reverse()) await c.stop().catch(() => {});
  await admin.end({ timeout: 5 });
  await dropDatabase(adminUrl, dbName).catch(() => {});
  fs.rmSync(tmp, { recursive: true, force: true });
}
