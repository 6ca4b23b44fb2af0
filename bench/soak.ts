/**
 * `npm run bench -- --soak` (bench/run.ts hands over to this): memory under
 * steady load. For `--soak-minutes` (default 10) this project's gateway serves
 * the marketplace page mix (autocannon, distinct tokens) while buyers check out
 * and pay through it all along; every few seconds the RSS and V8 heap of every
 * process (the gateway, each subgraph) is sampled, and every `--soak-gc-every`
 * seconds also the heap after a full garbage collection. After the warm-up
 * (`--soak-warmup-minutes`, default 2, or a fifth of a shorter soak) each
 * process is reported with its warm-up value, the slope of its RSS and of its
 * collected heap (least squares, MB/min) and its maximum.
 *
 * Writes bench/results/soak-<date>.json, bench/results/soak-<date>-rss.svg and
 * the soak section of bench/RESULTS.md (between its markers, below the analysis
 * marker, so a normal run keeps it). `--soak-heap-snapshots=<process>` (e.g.
 * `orders`, `gateway`) writes heap snapshots of that process at the end of the
 * warm-up and at the end (after a full collection), to compare with
 * `npx tsx bench/heap.ts <later> --diff <earlier>`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeys } from '../platform/auth.ts';
import { createDatabase, dropDatabase } from '../platform/db.ts';
import { DEMO } from '../platform/demo.ts';
import { GraphQLClient } from '../test/helpers/client.ts';
import { login, registerBuyer } from '../test/helpers/accounts.ts';
import { createProduct } from '../test/helpers/catalog.ts';
import { SUPERGRAPH_FILE } from '../gateway/server.ts';
import { BENCH_DIR, startChild, type Child } from './lib/proc.ts';
import { mintTokens, seedBuyer } from './lib/seed.ts';
import { lineChart } from './lib/svg.ts';
import { pages } from './operations.ts';

const ERR = 'userErrors { code message }';
const MB = 2 ** 20;
const log = (s: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  /** seconds since the load started */
  t: number;
  rssMb: number;
  heapMb: number;
  /** memory of Buffers and other C++ objects tied to JavaScript ones (process.memoryUsage().external) */
  externalMb: number;
  /** heap in use after a full collection (only on the collected samples) */
  gcHeapMb?: number;
}

/** Least-squares slope of y over x (per unit of x); 0 for fewer than two points. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den ? num / den : 0;
}

export async function runSoak(args: string[]): Promise<number> {
  const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const minutes = Number(arg('soak-minutes') ?? 10);
  const warmupMinutes = Number(arg('soak-warmup-minutes') ?? Math.min(2, minutes / 5));
  const sampleS = Number(arg('soak-sample') ?? 5);
  const gcEveryS = Number(arg('soak-gc-every') ?? 30);
  const connections = Number(arg('connections') ?? 8);
  const buyers = Number(arg('soak-buyers') ?? 4);
  const snapshotOf = arg('soak-heap-snapshots');
  const subgraphProcesses = Boolean(process.env.DATABASE_URL) && arg('subgraph-processes') !== '1';

  const started = new Date();
  const stamp = started.toISOString().replace(/:/g, '-').slice(0, 19);
  const outDir = path.join(BENCH_DIR, 'results');
  const keys = generateKeys();
  const secret = crypto.randomBytes(24).toString('base64url');
  const adminUrl = process.env.DATABASE_URL;
  const dbName = adminUrl ? `mg_bench_${crypto.randomBytes(5).toString('hex')}` : undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-soak-'));
  const children: Child[] = [];
  const results: any = {
    kind: 'soak',
    date: started.toISOString(),
    command: `npm run bench -- ${args.join(' ')}`,
    settings: {
      minutes,
      warmupMinutes,
      sampleS,
      gcEveryS,
      connections,
      buyers,
      tokens: Number(arg('soak-tokens') ?? 1000),
      subgraphProcesses: subgraphProcesses ? 5 : 1,
    },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
      loadavgAtStart: os.loadavg(),
    },
    database: adminUrl ? 'postgresql' : 'pglite (in-memory)',
    samples: {} as Record<string, Sample[]>,
    load: {} as any,
    checkouts: { ok: 0, failed: 0, paid: 0, errors: [] as string[] },
    processes: {} as Record<string, any>,
    snapshots: [] as string[],
    notes: [] as string[],
  };
  let failed: unknown;
  try {
    let benchDbUrl = '';
    if (adminUrl && dbName) {
      benchDbUrl = await createDatabase(adminUrl, dbName);
      log(`fresh database ${dbName}`);
    }
    const base = {
      BENCH_KEYS: JSON.stringify(keys),
      BENCH_SECRET: secret,
      BENCH_DATABASE_URL: benchDbUrl,
      BENCH_SUBGRAPH_PROCESSES: subgraphProcesses ? '1' : '',
    };
    const subgraphs = startChild('subgraphs-proc.ts', base);
    children.push(subgraphs);
    const { urls } = await subgraphs.next('ready', 300_000);
    let sdl = fs.readFileSync(SUPERGRAPH_FILE, 'utf8');
    for (const [name, u] of Object.entries(urls)) sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${u}$2`);
    const supergraph = path.join(tmp, 'supergraph.graphql');
    fs.writeFileSync(supergraph, sdl);
    const gw = startChild('gateway-proc.ts', { ...base, BENCH_GATEWAY: 'ours', BENCH_URLS: JSON.stringify(urls), BENCH_SUPERGRAPH: supergraph });
    children.push(gw);
    const { url } = await gw.next('ready', 120_000);
    const loader = startChild('load-proc.ts', {});
    children.push(loader);
    await loader.next('ready');
    log(`stack up: gateway ${url}, subgraphs ${subgraphProcesses ? 'one process each' : 'in one process'}`);

    // data: the bench buyer (a few orders, a cart, coupons), their tokens, and a product of the demo
    // seller stocked for the whole soak, which the checkout loop buys
    const data = await seedBuyer(url, { checkouts: 4 });
    const tokens = await mintTokens(keys, data.buyerToken, Number(arg('soak-tokens') ?? 1000));
    // the checkout loops' buyers: one account each (a buyer has one cart), with an address; tokens of an hour
    const loopBuyers = await Promise.all(
      Array.from({ length: buyers }, async () => {
        const b = await registerBuyer(new GraphQLClient(url));
        return { token: (await mintTokens(keys, b.token, 1))[0], addressId: b.addressId };
      }),
    );
    const seller = await login(new GraphQLClient(url), DEMO.sellerEmail, DEMO.password);
    const product = await createProduct(seller.client, data.storeId, { title: 'Soak lamp', variants: [{ stock: 1_000_000, price: '3.50' }] });
    log(`seeded: bench buyer, ${tokens.length} tokens, product ${product.id}`);
    // the subgraphs remember the tokens they verified (up to 10,000): let them see each once now, or
    // that cache would be filling during the soak and read as growth
    const dashboard = pages(data.productId).find((p) => p.name === 'dashboard')!;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < tokens.length) await new GraphQLClient(url, tokens[next++]).request(dashboard.query, dashboard.variables);
      }),
    );
    log(`the subgraphs have verified the ${tokens.length} tokens`);

    // sampling: RSS and heap of every process every `sampleS`, the collected heap every `gcEveryS`
    let t0 = Date.now();
    const sampleAll = async (gc: boolean) => {
      const t = +((Date.now() - t0) / 1000).toFixed(1);
      const add = (name: string, m: NodeJS.MemoryUsage) =>
        (results.samples[name] ??= []).push({
          t,
          rssMb: +(m.rss / MB).toFixed(1),
          heapMb: +(m.heapUsed / MB).toFixed(1),
          externalMb: +(m.external / MB).toFixed(1),
          ...(gc ? { gcHeapMb: +(m.heapUsed / MB).toFixed(1) } : {}),
        });
      gw.send({ type: 'mem', gc });
      add('gateway', (await gw.next('mem', 60_000)).memory);
      subgraphs.send({ type: 'mem-subgraphs', gc });
      const { procs } = await subgraphs.next('mem-subgraphs', 120_000);
      for (const [name, m] of Object.entries(procs as Record<string, NodeJS.MemoryUsage>)) add(name, m);
    };
    const snapshot = async (label: string) => {
      if (!snapshotOf) return;
      const file = path.join(outDir, `soak-${stamp}-${snapshotOf}-${label}.heapsnapshot`);
      if (snapshotOf === 'gateway') {
        gw.send({ type: 'snapshot', file });
        results.snapshots.push((await gw.next('snapshot', 300_000)).file);
      } else {
        subgraphs.send({ type: 'snapshot-subgraph', name: snapshotOf, file });
        results.snapshots.push((await subgraphs.next('snapshot-subgraph', 300_000)).file);
      }
      log(`heap snapshot of ${snapshotOf}: ${results.snapshots.at(-1)}`);
    };

    const durationMs = minutes * 60_000;
    let stopping = false;
    // checkouts and payments: `buyers` loops, each its own buyer: a cart of one line of the soak product, a
    // checkout and a card payment of its orders, one after another
    const c = results.checkouts;
    const checkoutLoop = async ({ token, addressId }: { token: string; addressId: string }) => {
      const client = new GraphQLClient(url, token);
      while (!stopping) {
        try {
          const cart = await client.data<any>(`mutation($v: ID!) { addToCart(variantId: $v, quantity: 1) { cart { id } ${ERR} } }`, {
            v: product.variants[0].id,
          });
          const placed = await client.data<any>(`mutation($input: CheckoutInput!) { checkout(input: $input) { orders { id } ${ERR} } }`, {
            input: { cartId: cart.addToCart.cart.id, shippingAddressId: addressId, idempotencyKey: crypto.randomUUID() },
          });
          if (placed.checkout.userErrors.length) throw new Error(`checkout: ${JSON.stringify(placed.checkout.userErrors)}`);
          c.ok++;
          const paid = await client.data<any>(
            `mutation($ids: [ID!]!, $key: String!) { payOrders(orderIds: $ids, payment: { method: CARD, token: "tok_visa" }, idempotencyKey: $key) { payment { id } ${ERR} } }`,
            { ids: placed.checkout.orders.map((o: any) => o.id), key: crypto.randomUUID() },
          );
          if (paid.payOrders.userErrors.length) throw new Error(`payOrders: ${JSON.stringify(paid.payOrders.userErrors)}`);
          c.paid++;
        } catch (err) {
          c.failed++;
          if (c.errors.length < 20) c.errors.push(String((err as Error).message ?? err).slice(0, 300));
          await sleep(500);
        }
      }
    };

    t0 = Date.now();
    const bodies = pages(data.productId).map((p) => JSON.stringify({ query: p.query, variables: p.variables ?? {} }));
    loader.send({ type: 'run', run: { url, bodies, tokens, connections, duration: Math.round(durationMs / 1000) } });
    const loops = loopBuyers.map(checkoutLoop);
    log(
      `soak: ${minutes} min of the page mix (${connections} connections, ${tokens.length} distinct tokens) and ${buyers} checkout-and-pay loops; warm-up ${warmupMinutes} min`,
    );
    let lastGc = -Infinity;
    let snapped = false;
    while (Date.now() - t0 < durationMs) {
      const gc = Date.now() - lastGc >= gcEveryS * 1000;
      if (gc) lastGc = Date.now();
      await sampleAll(gc);
      if (!snapped && Date.now() - t0 >= warmupMinutes * 60_000) {
        snapped = true;
        await snapshot('warm');
      }
      const s = results.samples;
      if (gc)
        log(
          `t=${((Date.now() - t0) / 1000).toFixed(0)} s: ${Object.entries(s)
            .map(([k, v]: [string, any]) => `${k} ${v.at(-1).rssMb}/${v.at(-1).gcHeapMb}`)
            .join(', ')} (RSS/heap MB); checkouts ${c.ok} paid ${c.paid} failed ${c.failed}`,
        );
      await sleep(Math.max(0, sampleS * 1000 - ((Date.now() - t0) % (sampleS * 1000))));
    }
    const loadResult = await loader.next('result', 120_000);
    stopping = true;
    await Promise.all(loops);
    await sampleAll(true);
    await snapshot('end');
    results.load = loadResult.error
      ? { error: loadResult.error }
      : {
          requests: loadResult.result.requests,
          rps: loadResult.result.rps,
          p50: loadResult.result.p50,
          p99: loadResult.result.p99,
          errors: loadResult.result.errors,
          gqlErrorsEstimate: loadResult.result.gqlErrorsEstimate,
        };
    results.checkoutsPerMin = +(c.ok / minutes).toFixed(1);

    // per process: the warm-up value (median of the last minute of warm-up), then slopes and max
    const warmS = warmupMinutes * 60;
    for (const [name, xs] of Object.entries(results.samples as Record<string, Sample[]>)) {
      const after = xs.filter((x) => x.t >= warmS);
      const lastWarm = xs.filter((x) => x.t < warmS && x.t >= warmS - 60);
      const med = (v: number[]) => (v.length ? v.sort((a, b) => a - b)[Math.floor(v.length / 2)] : NaN);
      const gcAfter = after.filter((x) => x.gcHeapMb !== undefined);
      const gcWarm = xs.filter((x) => x.t < warmS && x.gcHeapMb !== undefined).at(-1);
      results.processes[name] = {
        rssAtStartMb: xs[0]?.rssMb,
        rssWarmMb: med(lastWarm.map((x) => x.rssMb)),
        rssEndMb: xs.at(-1)?.rssMb,
        rssMaxMb: Math.max(...after.map((x) => x.rssMb)),
        rssSlopeMbPerMin: +(slope(after.map((x) => ({ x: x.t / 60, y: x.rssMb }))) || 0).toFixed(2),
        gcHeapWarmMb: gcWarm?.gcHeapMb,
        gcHeapEndMb: xs.at(-1)?.gcHeapMb,
        gcHeapSlopeMbPerMin: +(slope(gcAfter.map((x) => ({ x: x.t / 60, y: x.gcHeapMb! }))) || 0).toFixed(3),
        samplesAfterWarmup: after.length,
      };
    }
    log(`checkouts ${c.ok} (paid ${c.paid}, failed ${c.failed}); page mix ${results.load.requests ?? '?'} requests`);
    for (const [k, p] of Object.entries(results.processes) as [string, any][]) {
      log(
        `${k}: RSS warm ${p.rssWarmMb} MB, slope ${p.rssSlopeMbPerMin} MB/min, max ${p.rssMaxMb} MB; heap after GC ${p.gcHeapWarmMb} -> ${p.gcHeapEndMb} MB, slope ${p.gcHeapSlopeMbPerMin} MB/min`,
      );
    }
  } catch (err) {
    failed = err;
    results.notes.push(`run aborted: ${String((err as Error)?.stack ?? err).slice(0, 500)}`);
    console.error(err);
  } finally {
    for (const ch of children.splice(0).reverse()) await ch.stop().catch(() => {});
    if (adminUrl && dbName) await dropDatabase(adminUrl, dbName).catch((e) => console.error('could not drop', dbName, e));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  results.finished = new Date().toISOString();
  results.machine.loadavgAtEnd = os.loadavg();
  fs.mkdirSync(outDir, { recursive: true });
  const jsonFile = path.join(outDir, `soak-${stamp}.json`);
  fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2));
  const colors = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];
  const svgFile = path.join(outDir, `soak-${stamp}-rss.svg`);
  fs.writeFileSync(
    svgFile,
    lineChart(
      `Soak: RSS of each process (${results.database})`,
      'minutes since the load started',
      'RSS (MB)',
      Object.entries(results.samples as Record<string, Sample[]>).map(([name, xs], i) => ({
        name,
        color: colors[i % colors.length],
        points: xs.map((x) => ({ x: x.t / 60, y: x.rssMb })),
      })),
    ).replace(/<circle [^>]*\/>/g, ''),
  );
  writeSoakSection(results, { jsonFile, svgFile, out: path.join(BENCH_DIR, 'RESULTS.md') });
  log(`results: ${path.relative(process.cwd(), jsonFile)}, ${path.relative(process.cwd(), svgFile)}, bench/RESULTS.md (soak section)`);
  return failed ? 1 : 0;
}

const BEGIN = '<!-- soak: generated by `npm run bench -- --soak`, replaced on each soak run -->';
const END = '<!-- soak: end -->';

/** The soak's table, between its markers in bench/RESULTS.md (appended at the end the first time). */
export function writeSoakSection(r: any, files: { jsonFile: string; svgFile: string; out: string }): void {
  const dir = path.dirname(files.out);
  const f = (v: unknown, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');
  const L: string[] = [BEGIN, '', '## Soak: memory under steady load', ''];
  const s = r.settings;
  L.push(
    `\`${r.command}\` on ${r.date} (finished ${r.finished}), ${r.database}, subgraphs ${s.subgraphProcesses === 5 ? 'one process each' : 'in one process'}. Raw numbers: [${path.relative(dir, files.jsonFile)}](${path.relative(dir, files.jsonFile)}); RSS over time: [${path.relative(dir, files.svgFile)}](${path.relative(dir, files.svgFile)}).`,
    '',
  );
  L.push(
    `${s.minutes} min of the page mix through this gateway (${s.connections} connections, distinct tokens: ${r.load.requests ?? '?'} requests, ${f(r.load.rps, 0)} RPS, p99 ${r.load.p99 ?? '–'} ms, ${r.load.errors ?? '?'} errors) while ${s.buyers} buyers checked out and paid in a loop (${r.checkouts.ok} checkouts, ${r.checkouts.paid} paid, ${r.checkouts.failed} failed: ${r.checkoutsPerMin} per minute). RSS and heap sampled every ${s.sampleS} s, the heap after a full collection every ${s.gcEveryS} s. The first ${s.warmupMinutes} min are warm-up; slopes are least squares over the rest. Load average ${r.machine.loadavgAtStart.map((x: number) => x.toFixed(2)).join(' / ')} at start, ${r.machine.loadavgAtEnd.map((x: number) => x.toFixed(2)).join(' / ')} at end (${r.machine.cpus} cores).`,
    '',
  );
  L.push(
    '| process | RSS at start MB | RSS after warm-up MB | RSS slope after warm-up MB/min | RSS max MB | RSS at end MB | heap after GC, warm → end MB | heap slope MB/min |',
  );
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [k, p] of Object.entries(r.processes) as [string, any][]) {
    L.push(
      `| ${k} | ${f(p.rssAtStartMb)} | ${f(p.rssWarmMb)} | ${f(p.rssSlopeMbPerMin, 2)} | ${f(p.rssMaxMb)} | ${f(p.rssEndMb)} | ${f(p.gcHeapWarmMb)} → ${f(p.gcHeapEndMb)} | ${f(p.gcHeapSlopeMbPerMin, 3)} |`,
    );
  }
  L.push('');
  if (r.checkouts.errors.length)
    L.push(`Checkout errors (first ${r.checkouts.errors.length}): ${r.checkouts.errors.map((e: string) => `\`${e.replace(/`/g, "'")}\``).join('; ')}`, '');
  if (r.notes.length) L.push(...r.notes.map((n: string) => `- ${n}`), '');
  L.push(END);
  const section = L.join('\n');
  let text = fs.existsSync(files.out) ? fs.readFileSync(files.out, 'utf8') : '';
  const i = text.indexOf(BEGIN);
  const j = text.indexOf(END);
  if (i >= 0 && j > i) text = text.slice(0, i) + section + text.slice(j + END.length);
  else text = text.replace(/\n*$/, '\n\n') + section + '\n';
  fs.writeFileSync(files.out, text);
}
