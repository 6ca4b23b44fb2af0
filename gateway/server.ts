/**
 * The gateway, importable by tests (index.ts makes it listen from the
 * environment): Apollo Server + Apollo Gateway on the committed supergraph
 * (schema/supergraph.graphql), with
 *
 * - the viewer's access token verified here and forwarded to subgraphs;
 * - the subgraph secret on every subgraph request;
 * - Apollo Sandbox on `GET /graphql` from a browser outside production;
 * - `GET /health`: 200 `{"status":"ok"}` when every subgraph is ready, 503 otherwise.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import type { AuthVerifier } from '../subgraphs/kit/auth.ts';
import type { SubgraphName } from '../subgraphs/kit/config.ts';
import { BodyTooLarge, listen, readBody, runApollo, sendJson } from '../subgraphs/kit/http.ts';
import type { Logger } from '../subgraphs/kit/log.ts';
import { REQUEST_ID_HEADER, maskError } from '../subgraphs/kit/server.ts';
import type { GatewayContext } from './context.ts';
import { SubgraphDataSource } from './datasource.ts';
import { checkHealth } from './health.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SUPERGRAPH_FILE = path.resolve(here, '..', 'schema', 'supergraph.graphql');

export interface GatewayOptions {
  port: number;
  host: string;
  production: boolean;
  /** Where each subgraph's /graphql is. */
  urls: Record<SubgraphName, string>;
  secret: string;
  verifier: AuthVerifier;
  log: Logger;
  /** Largest request body in bytes (default 100 KiB). */
  maxBodyBytes?: number;
}

export interface RunningGateway {
  port: number;
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(SUPERGRAPH_FILE, 'utf8'),
    buildService: ({ name }) => new SubgraphDataSource(name, opts.urls[name as SubgraphName], opts.secret),
    logger: { debug() {}, info() {}, warn: (m) => opts.log.warn(String(m)), error: (m) => opts.log.error(String(m)) },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: !opts.production,
    includeStacktraceInErrorResponses: false,
    formatError: maskError(opts.log),
    plugins: [
      opts.production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
    ],
  });
  await apollo.start();
  const maxBody = opts.maxBodyBytes ?? 100 * 1024;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = crypto.randomUUID();
    try {
      if (req.method === 'GET' && url.pathname === '/health') {
        const h = await checkHealth(opts.urls);
        sendJson(res, h.ok ? 200 : 503, h.body);
        return;
      }
      if (url.pathname !== '/graphql') {
        sendJson(res, 404, { error: 'not found' });
        return;
      }
      const body = req.method === 'POST' ? await readBody(req, maxBody) : '';
      await runApollo(
        apollo,
        req,
        res,
        body,
        async () => ({ viewer: await opts.verifier.verify(req.headers.authorization), requestId }),
        { [REQUEST_ID_HEADER]: requestId },
      );
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendJson(res, 413, { errors: [{ message: `Request body too large (limit ${maxBody} bytes)`, extensions: { code: 'BAD_REQUEST' } }] });
        return;
      }
      opts.log.error('gateway request failed', { err: String(err), requestId });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
      else res.end();
    }
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, opts.port, opts.host, 'gateway');
  return {
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
    },
  };
}
