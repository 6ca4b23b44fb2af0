/**
 * `npx tsx bench/statements-cpu.ts [--against=<another checkout>] [--loops=300] [--rounds=3]` (needs DATABASE_URL):
 * CPU time of the SQL statements each marketplace page runs, called through the
 * subgraphs' db/queries functions as their loaders and services call them: this
 * process's CPU (building the statement, the driver, mapping rows) and that of
 * the one PostgreSQL backend serving it, per page's set of statements.
 *
 * The data: an in-process stack (test/helpers/stack.ts) on a fresh PostgreSQL
 * database, the demo seed plus the bench buyer (bench/lib/seed.ts). The stack is
 * then left idle (its background work, measured just before each cell, is taken
 * off); a handle of its own (one connection) runs the statements.
 * With --against, the same statements of another checkout's db/queries (e.g. the
 * commit before a change) run in turns with this one's on the same data, round
 * by round, so both see the same machine: on a shared machine compare these
 * side by side, not with a number measured at another time.
 */
import path from 'node:path';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows, type Drizzle } from '../platform/db.ts';
import { startTestStack } from '../test/helpers/stack.ts';
import { GraphQLClient } from '../test/helpers/client.ts';
import { cpuMsOf } from './lib/proc.ts';
import { seedBuyer } from './lib/seed.ts';

const args = process.argv.slice(2);
const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const loops = Number(arg('loops') ?? 300);
const rounds = Number(arg('rounds') ?? 3);
const against = arg('against');
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (PostgreSQL)');
const log = (s: string) => console.log(`[statements-cpu ${new Date().toISOString().slice(11, 19)}] ${s}`);

type Queries = Record<'catalog' | 'orders' | 'users' | 'messaging' | 'promotions', any>;
async function queriesOf(root: string): Promise<Queries> {
  const at = (p: string) => import(path.resolve(root, p));
  return {
    catalog: await at('subgraphs/catalog/db/queries/index.ts'),
    orders: await at('subgraphs/orders/db/queries/index.ts'),
    users: await at('subgraphs/users/db/queries.ts'),
    messaging: await at('subgraphs/messaging/db/queries.ts'),
    promotions: await at('subgraphs/promotions/db/queries.ts'),
  };
}

const t = await startTestStack({ seed: true, env: { SUBGRAPH_TIMEOUT_MS: '60000' } });
try {
  const data = await seedBuyer(t.url, { checkouts: 6 });
  const buyer = new GraphQLClient(t.url, data.buyerToken);
  const search = await buyer.data<any>(`{ searchProducts(first: 20) { edges { node { id } } } }`);
  const searchIds: string[] = search.searchProducts.edges.map((e: any) => e.node.id);
  const vac = postgres(t.databaseUrl!, { max: 1, onnotice: () => {} });
  await vac.unsafe('vacuum analyze');
  await vac.end({ timeout: 5 });
  const db = await openDatabase({ name: 'statements-cpu', url: t.databaseUrl, max: 1 });
  const d: Drizzle = db.drizzle;
  const [{ pid }] = await queryRows<{ pid: number }>(d, sql`select pg_backend_pid() as pid`);

  /** The statements of each page, as the loaders and services run them (ids from the previous statements' rows). */
  const pagesOf = (q: Queries): Record<string, () => Promise<unknown>> => ({
    dashboard: async () => {
      const id = data.buyerId;
      const [orders, cart] = await Promise.all([
        q.orders.orderPage(d, { buyerId: id, limit: 11 }),
        q.catalog.cartByOwner(d, id),
        q.users.usersByIds(d, [id]),
        q.orders.countsByStatus(d, [id]),
        q.messaging.unreadTotal(d, id),
        q.promotions.walletsOf(d, [id]),
      ]);
      const [, lines] = await Promise.all([
        cart ? q.catalog.linesByCartIds(d, [cart.id]) : [],
        q.orders.linesByOrderIds(
          d,
          orders.map((o: { id: string }) => o.id),
        ),
        q.catalog.storesByIds(d, [...new Set(orders.map((o: { storeId: string }) => o.storeId))]),
      ]);
      await q.catalog.productsByIds(d, [...new Set(lines.map((l: { productId: string }) => l.productId))].slice(0, 10));
    },
    product: async () => {
      const p = data.productId;
      const [pages] = await Promise.all([
        q.catalog.productPagesByIds(d, [p]),
        q.catalog.variantsByProductIds(d, [p]),
        q.orders.reviewPages(d, [p], 10, null),
        q.promotions.watchedAmong(d, data.buyerId, [p]),
      ]);
      await Promise.all([q.orders.storeRatings(d, [pages[0].store.id]), q.users.usersByIds(d, [data.buyerId])]);
    },
    search: async () => {
      await q.catalog.searchPage(d, { text: null }, 'RELEVANCE', 21, null, true);
      await q.orders.productRatings(d, searchIds);
    },
  });
  const variants: [string, Record<string, () => Promise<unknown>>][] = [['this checkout', pagesOf(await queriesOf(path.resolve(import.meta.dirname, '..')))]];
  if (against) variants.push([`against ${against}`, pagesOf(await queriesOf(against))]);

  const results = new Map<string, { client: number; postgres: number }[]>();
  for (const [, pages] of variants) for (const run of Object.values(pages)) for (let i = 0; i < 30; i++) await run(); // warm
  for (let round = 0; round < rounds; round++) {
    for (const page of ['dashboard', 'product', 'search'])
      for (const [label, pages] of round % 2 ? [...variants].reverse() : variants) {
        // the idle stack's own background work (consumers, sweepers) in this process, taken off
        const i0 = process.cpuUsage();
        const w0 = performance.now();
        await new Promise((r) => setTimeout(r, 2000));
        const idle = process.cpuUsage(i0);
        const idleRate = (idle.user + idle.system) / (performance.now() - w0);
        const c0 = process.cpuUsage();
        const p0 = cpuMsOf(pid);
        const t0 = performance.now();
        for (let i = 0; i < loops; i++) await pages[page]();
        const c = process.cpuUsage(c0);
        const busy = Math.max(0, c.user + c.system - idleRate * (performance.now() - t0));
        const row = { client: Math.round(busy / loops), postgres: Math.round(((cpuMsOf(pid) - p0) * 1000) / loops) };
        results.set(`${page} / ${label}`, [...(results.get(`${page} / ${label}`) ?? []), row]);
        log(`round ${round + 1} ${page} / ${label}: ${JSON.stringify(row)} µs CPU per page`);
      }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  console.log('\nmedian CPU µs per page of statements (this process: build, driver, rows; PostgreSQL: its backend):');
  for (const [k, rs] of results) {
    const c = median(rs.map((r) => r.client));
    const p = median(rs.map((r) => r.postgres));
    console.log(`  ${k.padEnd(40)} process ${String(c).padStart(6)}  postgres ${String(p).padStart(6)}  total ${String(c + p).padStart(6)}`);
  }
  await db.close();
} finally {
  await t.stop();
}
