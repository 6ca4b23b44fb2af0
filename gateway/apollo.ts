/**
 * The gateway's Apollo Server over Apollo Gateway on the committed supergraph:
 * subgraph data sources with the secret and keep-alive agents, the security
 * settings (security.ts), error masking with request ids (errors.ts),
 * metrics, token reasons on UNAUTHENTICATED errors, and the landing page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { tokenReasonPlugin } from '../platform/auth.ts';
import type { SubgraphName } from '../platform/config.ts';
import type { GatewayContext } from './context.ts';
import { SubgraphDataSource, type keepAliveAgents } from './datasource.ts';
import { describe, maskGatewayError, type errorRequestIds } from './errors.ts';
import type { GatewayMetrics } from './metrics.ts';
import { apolloSecurityOptions, type SecuritySettings } from './security.ts';
import type { Logger } from '../platform/log.ts';
import { apolloTelemetrySwitch } from './telemetry.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The composed supergraph the gateway serves (`npm run compose`). */
export const SUPERGRAPH_FILE = path.resolve(here, '..', 'schema', 'supergraph.graphql');

/** What the Apollo side needs of the gateway's options (server.ts). */
export interface ApolloOptions {
  production: boolean;
  urls: Record<SubgraphName, string>;
  secret: string;
  log: Logger;
  env?: Record<string, string | undefined>;
}

export function createApollo(
  opts: ApolloOptions,
  security: SecuritySettings,
  metrics: GatewayMetrics,
  agents: ReturnType<typeof keepAliveAgents>,
  errorIds: ReturnType<typeof errorRequestIds>,
): ApolloServer<GatewayContext> {
  const telemetryOff = apolloTelemetrySwitch<GatewayContext>(opts.env ?? process.env);
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(SUPERGRAPH_FILE, 'utf8'),
    buildService: ({ name }) =>
      new SubgraphDataSource(name, opts.urls[name as SubgraphName], opts.secret, {
        timeoutMs: security.subgraphTimeoutMs,
        deduplicate: security.subgraphDeduplication,
        metrics,
        agents,
      }),
    logger: {
      debug() {},
      info() {},
      warn: (m) => opts.log.warn('apollo gateway', { detail: describe(m) }),
      error: (m) => opts.log.error('apollo gateway', { detail: describe(m) }),
    },
  });
  return new ApolloServer<GatewayContext>({
    gateway,
    ...apolloSecurityOptions(security),
    // our own shutdown drains requests first (Apollo's would stop and re-raise the signal at once)
    stopOnTerminationSignals: false,
    logger: {
      debug() {},
      info() {},
      warn: (m) => opts.log.warn('apollo server', { detail: describe(m) }),
      error: (m) => opts.log.error('apollo server', { detail: describe(m) }),
    },
    formatError: maskGatewayError(opts.log, errorIds.requestIdOf, security.hideSchemaDetails),
    plugins: [
      ...telemetryOff,
      errorIds.plugin,
      metrics.plugin<GatewayContext>(),
      tokenReasonPlugin<GatewayContext>((ctx) => ctx.tokenReason),
      opts.production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
    ],
  });
}
