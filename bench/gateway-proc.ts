/**
 * Child process: one gateway in front of the bench subgraphs.
 *
 *   BENCH_GATEWAY=ours    this project's gateway (gateway/server.ts startGateway)
 *   BENCH_GATEWAY=apollo  stock @apollo/gateway + @apollo/server standalone, defaults,
 *                         plus only forwarding the token and adding the subgraph secret
 *   BENCH_GATEWAY=hive    @graphql-hive/gateway's runtime on node:http, forwarding
 *                         authorization and adding the subgraph secret
 *
 * All three read the same supergraph, rewritten with the bench subgraph URLs.
 */
import fs from 'node:fs';
import http from 'node:http';
import v8 from 'node:v8';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { AuthVerifier } from '../platform/auth.ts';
import { createLogger } from '../platform/log.ts';
import { SECRET_HEADER } from '../platform/protocol.ts';
import { startGateway } from '../gateway/server.ts';
import { onStop, tell } from './lib/proc.ts';

const kind = process.env.BENCH_GATEWAY;
const secret = process.env.BENCH_SECRET!;
const supergraphFile = process.env.BENCH_SUPERGRAPH!;
const urls = JSON.parse(process.env.BENCH_URLS!);
const keys = JSON.parse(process.env.BENCH_KEYS!);

let url: string;
let stop: () => Promise<void>;

if (kind === 'ours') {
  // SUBSCRIPTION_* settings of the bench's environment reach this gateway (to compare a setting)
  const subscriptionSettings = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SUBSCRIPTION_')));
  // every bench socket comes from this machine's one address: no cap per client address here
  const env = { NODE_ENV: 'production', LOG_LEVEL: 'error', SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT: '1000000', ...subscriptionSettings };
  const gw = await startGateway({
    port: 0,
    host: '127.0.0.1',
    production: true,
    urls,
    secret,
    verifier: new AuthVerifier(keys, 900),
    log: createLogger('error'),
    env,
    metricsPort: null, // not scraped here; several bench gateways may run at once
  });
  // startGateway reads schema/supergraph.graphql; its subgraph URLs come from `urls`
  url = gw.url;
  process.on('message', (m: any) => {
    if (m?.type === 'heap-snapshot') {
      tell({ type: 'heap-snapshot', file: v8.writeHeapSnapshot(m.file) });
    }
    if (m?.type === 'subscription-stats') {
      tell({
        type: 'subscription-stats',
        upstream: gw.subscriptions.activeUpstream(),
        streams: gw.subscriptions.activeStreams(),
        sockets: gw.subscriptions.connections(),
      });
    }
  });
  stop = () => gw.close();
} else if (kind === 'apollo') {
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(supergraphFile, 'utf8'),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
          request.http?.headers.set(SECRET_HEADER, secret);
        },
      }),
  });
  const server = new ApolloServer<{ authorization?: string }>({ gateway });
  const r = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  url = r.url; // standalone serves on every path
  stop = () => server.stop();
} else if (kind === 'hive') {
  const { createGatewayRuntime } = await import('@graphql-hive/gateway');
  const gw = createGatewayRuntime({
    supergraph: supergraphFile,
    logging: 'error',
    propagateHeaders: {
      fromClientToSubgraphs({ request }: { request: Request }) {
        const h: Record<string, string> = { [SECRET_HEADER]: secret };
        const a = request.headers.get('authorization');
        if (a) h.authorization = a;
        return h;
      },
    },
  } as any);
  const server = http.createServer(gw as any);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as any).port}/graphql`;
  stop = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await (gw as any).dispose?.();
  };
} else {
  throw new Error(`BENCH_GATEWAY must be ours, apollo or hive (got ${kind})`);
}
tell({ type: 'ready', url });
onStop(stop);
