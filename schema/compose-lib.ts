// Composes the five subgraph SDL files under schema/ into the supergraph.
// Used by schema/compose.ts (writes schema/supergraph.graphql) and by the drift test
// (checks that the committed supergraph.graphql is what composition produces now).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices, type CompositionResult } from '@apollo/composition';
import { parse, type GraphQLError } from 'graphql';

export const SCHEMA_DIR = dirname(fileURLToPath(import.meta.url));
export const SUPERGRAPH_PATH = join(SCHEMA_DIR, 'supergraph.graphql');

export const SUBGRAPH_NAMES = ['users', 'catalog', 'orders', 'messaging', 'promotions'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Default subgraph URLs; these (not the environment's) are written into supergraph.graphql. */
export const DEFAULT_SUBGRAPH_URLS: Readonly<Record<SubgraphName, string>> = {
  users: 'http://localhost:4001/graphql',
  catalog: 'http://localhost:4002/graphql',
  orders: 'http://localhost:4003/graphql',
  messaging: 'http://localhost:4004/graphql',
  promotions: 'http://localhost:4005/graphql',
};

/** `<NAME>_URL` (e.g. ORDERS_URL) overrides a subgraph's URL; used at runtime by the gateway. */
export function subgraphUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<SubgraphName, string> {
  const urls = { ...DEFAULT_SUBGRAPH_URLS };
  for (const name of SUBGRAPH_NAMES) {
    const fromEnv = env[`${name.toUpperCase()}_URL`];
    if (fromEnv) urls[name] = fromEnv;
  }
  return urls;
}

export function subgraphSdlPath(name: SubgraphName): string {
  return join(SCHEMA_DIR, `${name}.graphql`);
}

export function readSubgraphSdl(name: SubgraphName): string {
  return readFileSync(subgraphSdlPath(name), 'utf8');
}

/** Runs composition over the five SDL files, with the default URLs. */
export function composeSubgraphs(urls: Readonly<Record<SubgraphName, string>> = DEFAULT_SUBGRAPH_URLS): CompositionResult {
  return composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: urls[name],
      typeDefs: parse(readSubgraphSdl(name)),
    })),
  );
}

export class CompositionError extends Error {
  constructor(readonly errors: readonly GraphQLError[]) {
    super(`composition failed with ${errors.length} error(s):\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
    this.name = 'CompositionError';
  }
}

/**
 * The supergraph SDL of the five subgraphs, with the default URLs so the result is
 * deterministic (the gateway points each subgraph at `<NAME>_URL` at runtime).
 * Throws CompositionError when composition fails.
 */
export function composeSupergraph(): string {
  const result = composeSubgraphs();
  if (result.errors) throw new CompositionError(result.errors);
  return result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
}
