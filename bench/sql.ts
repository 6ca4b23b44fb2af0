/**
 * SQL statements per operation at page sizes 1, 20 and 100, counted at the
 * driver (each subgraph's db.statements.count), in-process on a test-like
 * stack (PGlite, or a fresh PostgreSQL database when DATABASE_URL is set).
 */
import { SUBGRAPH_NAMES } from '../platform/config.ts';
import { startTestStack } from '../test/helpers/stack.ts';
import { GraphQLClient } from '../test/helpers/client.ts';
import { DASHBOARD_PAGED, PRODUCT, SEARCH } from './operations.ts';
import { seedBuyer, seedReviews } from './lib/seed.ts';

export interface SqlRow {
  operation: string;
  pageSize: number;
  returned: number;
  statements: Record<string, number>;
  total: number;
  /** Totals of the five measured runs (the row keeps the smallest). */
  samples?: number[];
}

export async function sqlPerOperation(opts: { checkouts: number; log: (s: string) => void }): Promise<{ rows: SqlRow[]; orders: number; reviews: number }> {
  const t = await startTestStack({ seed: true, env: { SUBGRAPH_TIMEOUT_MS: '60000', MESSAGE_RATE_PER_MIN: '100000' } });
  try {
    opts.log(`sql: seeding a buyer with ${opts.checkouts} checkouts`);
    const data = await seedBuyer(t.url, { checkouts: opts.checkouts });
    // more reviews than a page holds: 110 with --full (pages of 1, 20, 100), 25 in the quick profile
    const reviews = opts.checkouts >= 50 ? 110 : 25;
    opts.log(`sql: ${reviews} reviews of one product`);
    const reviewed = await seedReviews(t.url, data.buyerToken, reviews);
    const c = new GraphQLClient(t.url, data.buyerToken);
    const count = () => Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, t.stack.subgraphs[n].db.statements.count]));
    const ops: { name: string; run: (n: number) => Promise<number> }[] = [
      {
        name: 'search page (searchProducts first:N, store + price range)',
        run: async (n) => (await c.data<any>(SEARCH, { q: null, first: n })).searchProducts.edges.length,
      },
      {
        name: 'dashboard (viewer ... orders first:N with lines)',
        run: async (n) => (await c.data<any>(DASHBOARD_PAGED, { orders: n })).viewer.orders.edges.length,
      },
      {
        name: 'product page (reviews first:N)',
        run: async (n) => {
          const r = await c.data<any>(PRODUCT.replace('reviews(first: 10)', `reviews(first: ${n})`), { id: reviewed });
          return r.product.reviews.edges.length;
        },
      },
    ];
    const rows: SqlRow[] = [];
    for (const op of ops) {
      for (const n of [1, 20, 100]) {
        await op.run(n); // warm: caches, prepared plans
        // background work (event consumers, relays, sweepers) also runs statements: wait
        // until it is quiet, then measure five times and keep the quietest window
        await quiet(count);
        let best: SqlRow | undefined;
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          if (i) await new Promise((r) => setTimeout(r, 50));
          const before = count();
          const returned = await op.run(n);
          const after = count();
          const statements = Object.fromEntries(SUBGRAPH_NAMES.map((k) => [k, after[k] - before[k]]));
          const total = Object.values(statements).reduce((a, b) => a + b, 0);
          samples.push(total);
          if (!best || total < best.total) best = { operation: op.name, pageSize: n, returned, statements, total };
        }
        rows.push({ ...best!, samples });
      }
    }
    return { rows, orders: data.orders, reviews };
  } finally {
    await t.stop();
  }
}

/** Waits until no subgraph runs a statement for 300 ms (at most 5 s: a poller may never stop). */
async function quiet(count: () => Record<string, number>): Promise<void> {
  const total = () => Object.values(count()).reduce((a, b) => a + b, 0);
  const until = Date.now() + 5_000;
  let last = total();
  let since = Date.now();
  while (Date.now() < until && Date.now() - since < 300) {
    await new Promise((r) => setTimeout(r, 50));
    const now = total();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}
