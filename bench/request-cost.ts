/**
 * The CPU one subgraph process spends per request, with nothing else in the
 * way: the catalog subgraph alone (subgraphs-proc.ts, BENCH_ONE) on
 * PostgreSQL, production settings, demo seed; autocannon in this process sends
 * N identical requests straight to it (with the subgraph secret), once per
 * operation: `{ __typename }` (the HTTP path and nothing else), an
 * `_entities` query for one product (what the gateway asks of the catalog on a
 * product page) and the search page's `searchProducts(first: 20)` as the
 * gateway asks it. The subgraph's CPU (user + system, /proc) before and after
 * each run, divided by the requests, is the number to compare before and
 * after a change to the request path; RPS on a shared, loaded machine is not.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> npx tsx bench/request-cost.ts [requests] [rounds]
 *
 * REQUEST_COST_PROFILE=<dir> also writes a CPU profile of the subgraph (--cpu-prof).
 *
 * The database should be one of its own (the catalog schema is migrated and
 * seeded into it).
 */
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { generateKeys } from '../platform/auth.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../platform/config.ts';
import { freePort } from '../test/helpers/net.ts';
import { cpuMsOf, startChild } from './lib/proc.ts';

// no type declarations ship with autocannon
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: unknown, cb: (err: Error | null, res: any) => void) => unknown;

const requests = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
if (!process.env.BENCH_DATABASE_URL) throw new Error('BENCH_DATABASE_URL: a PostgreSQL database of its own');

const secret = crypto.randomBytes(24).toString('base64url');
const ports = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (n) => [n, await freePort()] as const))) as Record<SubgraphName, number>;
const env = { BENCH_ONE: 'catalog', BENCH_PORTS: JSON.stringify(ports), BENCH_KEYS: JSON.stringify(generateKeys()), BENCH_SECRET: secret };
// REQUEST_COST_PROFILE=<dir>: a CPU profile of the subgraph process for the whole run (--cpu-prof)
const child = startChild('subgraphs-proc.ts', env, process.env.REQUEST_COST_PROFILE ? { cpuProf: process.env.REQUEST_COST_PROFILE } : {});
try {
  const { urls } = await child.next('ready', 180_000);
  const url: string = urls.catalog;
  const headers = { 'content-type': 'application/json', 'x-subgraph-secret': secret };
  const post = async (query: string, variables?: unknown) =>
    (await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })).json()) as any;
  const found = await post('{ searchProducts(first: 1) { edges { node { id } } } }');
  const productId = found.data?.searchProducts.edges[0]?.node.id;
  if (!productId) throw new Error(`no product to ask for: ${JSON.stringify(found)}`);
  const entities = JSON.stringify({
    query:
      'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { id title priceRange { min { amount currencyCode } } } } }',
    variables: { representations: [{ __typename: 'Product', id: productId }] },
  });
  // the search page's fetch from the catalog (bench/operations.ts SEARCH), as the gateway's query plan sends it
  const search = JSON.stringify({
    query:
      'query SearchPage__catalog__0($q:String$first:Int){searchProducts(query:$q first:$first){totalCount edges{cursor node{__typename id title images priceRange{min{amount}max{amount}}store{id name}}}pageInfo{hasNextPage endCursor}}}',
    variables: { q: null, first: 20 },
    operationName: 'SearchPage__catalog__0',
  });
  const cases: [string, string][] = [
    ['{ __typename }', JSON.stringify({ query: '{ __typename }' })],
    ['_entities(Product)', entities],
    ['searchProducts(first: 20)', search],
  ];
  // check each answer once, then warm up
  for (const [name, body] of cases) {
    const r = await (await fetch(url, { method: 'POST', headers, body })).json();
    if (r.errors || !r.data) throw new Error(`${name}: ${JSON.stringify(r)}`);
    await load(url, headers, body, 2_000);
  }
  for (const [name, body] of cases) {
    const per: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const before = cpuMsOf(child.pid);
      const res = await load(url, headers, body, requests);
      const after = cpuMsOf(child.pid);
      if (res.non2xx || res.errors) throw new Error(`${name}: ${res.non2xx} non-2xx answers, ${res.errors} errors`);
      per.push(((after - before) * 1000) / requests);
    }
    console.log(`${name.padEnd(20)} CPU µs/request: ${per.map((v) => v.toFixed(0)).join(', ')}`);
  }
} finally {
  await child.stop();
}

function load(url: string, headers: Record<string, string>, body: string, amount: number): Promise<any> {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', connections: 8, amount, headers, body }, (err: Error | null, res: any) => (err ? reject(err) : resolve(res)));
  });
}
