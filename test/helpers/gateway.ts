/**
 * Tools for gateway hardening and resilience tests:
 *
 *   const g = await startExtraGateway(t, { env: { MAX_DEPTH: '0' } });  // another gateway on the same subgraphs
 *   const slow = await startDelayProxy(t.stack.urls.promotions, 2000);  // a subgraph made slow
 *   const fake = await startFakeSubgraph(() => ({ errors: [...] }));    // a subgraph answering what the test says
 */
import http from 'node:http';
import { AuthVerifier } from '../../platform/auth.ts';
import type { SubgraphName } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { GraphQLClient } from './client.ts';
import type { TestStack } from './stack.ts';

export interface ExtraGateway {
  gateway: RunningGateway;
  url: string;
  client: GraphQLClient;
  stop(): Promise<void>;
}

/** A second gateway in front of the test stack's subgraphs (or the given urls), with its own environment. */
export async function startExtraGateway(
  t: TestStack,
  opts: {
    env?: Record<string, string>;
    urls?: Partial<Record<SubgraphName, string>>;
    production?: boolean;
    drainTimeoutMs?: number;
    metricsPort?: number | null;
  } = {},
): Promise<ExtraGateway> {
  const production = opts.production ?? false;
  const gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    production,
    urls: { ...t.stack.urls, ...opts.urls },
    secret: t.stack.secret,
    verifier: new AuthVerifier(t.keys, t.config.accessTokenTtlS),
    log: createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent'),
    env: { NODE_ENV: production ? 'production' : 'test', ...opts.env },
    drainTimeoutMs: opts.drainTimeoutMs,
    // any free port (METRICS_PORT's 9464 is for one gateway per machine), unless the test sets METRICS_PORT
    metricsPort: opts.metricsPort !== undefined ? opts.metricsPort : opts.env?.METRICS_PORT !== undefined ? undefined : 0,
  });
  return { gateway, url: gateway.url, client: new GraphQLClient(gateway.url), stop: () => gateway.close() };
}

export interface TestServer {
  url: string;
  /** Requests received so far. */
  requests: number;
  /** Headers of the last request received. */
  lastHeaders?: http.IncomingHttpHeaders;
  close(): Promise<void>;
}

function serve(handler: http.RequestListener, path = '/graphql'): Promise<TestServer> {
  const server = http.createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const s: TestServer = {
        url: `http://127.0.0.1:${port}${path}`,
        requests: 0,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      };
      server.on('request', (req: http.IncomingMessage) => {
        s.requests++;
        s.lastHeaders = req.headers;
      });
      resolve(s);
    });
  });
}

/** A proxy to `target` that holds every answer for `delayMs` (the subgraph made slow). */
export function startDelayProxy(target: string, delayMs: number): Promise<TestServer> {
  const t = new URL(target);
  return serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: { ...req.headers, host: t.host } }, (upRes) => {
        const body: Buffer[] = [];
        upRes.on('data', (c: Buffer) => body.push(c));
        upRes.on('end', () => {
          setTimeout(() => {
            if (res.destroyed) return;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(Buffer.concat(body));
          }, delayMs);
        });
      });
      up.on('error', () => res.destroyed || res.writeHead(502).end());
      up.end(Buffer.concat(chunks));
    });
  });
}

/** A stand-in subgraph answering every GraphQL request with `answer(body)` as JSON. */
export function startFakeSubgraph(answer: (request: { query: string; variables?: unknown }) => unknown, status = 200): Promise<TestServer> {
  return serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString() || '{}')));
      res.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
}
