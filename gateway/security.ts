/**
 * The gateway's security settings, in one place (docs/operations.md).
 *
 * Every limit is read from the environment with a documented default
 * (docs/operations.md); `0` turns a limit off. The same checks run on HTTP
 * (as Apollo Server validation rules and parse options) and on the websocket
 * path (`parseOperation` + `checkOperationLimits`, limits.ts). Error masking
 * is in errors.ts.
 *
 * | variable            | default | what                                                    |
 * | ------------------- | ------- | ------------------------------------------------------- |
 * | MAX_BODY_BYTES      | 100000  | largest HTTP request body (413 BAD_REQUEST beyond)       |
 * | MAX_TOKENS          | 5000    | parser token count (graphql `maxTokens`)                  |
 * | MAX_DEPTH           | 12      | deepest field nesting, fragments expanded                 |
 * | MAX_ALIASES         | 30      | aliased fields per operation, fragments expanded          |
 * | MAX_ROOT_FIELDS     | 20      | top-level fields per operation                            |
 * | MAX_COST            | 50000   | estimated cost: each field 1, times page sizes (`first`)  |
 * | SUBGRAPH_TIMEOUT_MS | 5000    | per subgraph fetch                                        |
 * | SUBGRAPH_DEDUPLICATION | true | share one in-flight subgraph query among identical ones   |
 * | CORS_ORIGINS        | (none)  | comma-separated allowed browser origins                   |
 * | TRUSTED_DOCUMENTS   | (none)  | JSON file {sha256: document}: only those operations run   |
 */
import crypto from 'node:crypto';
import type { ValidationRule } from 'graphql';
import { ConfigError, envVar, readEnv } from '../platform/env.ts';
import { DEFAULT_LIMITS, operationLimitsRule, type Limits } from './limits.ts';

export const STUDIO_ORIGIN = 'https://studio.apollographql.com';

export interface SecuritySettings extends Limits {
  production: boolean;
  maxBodyBytes: number;
  subgraphTimeoutMs: number;
  /**
   * Identical subgraph queries in flight at once (same subgraph, same
   * operation and variables, same Authorization) share one fetch. Mutations
   * are never shared.
   */
  subgraphDeduplication: boolean;
  /** Introspection queries answered (default: outside production). */
  introspection: boolean;
  /** Hide "Did you mean …" suggestions and schema details in errors (default: in production). */
  hideSchemaDetails: boolean;
  /** Browser origins allowed by CORS. */
  corsOrigins: string[];
  /** Path of the trusted documents file, or undefined (any operation runs). */
  trustedDocuments?: string;
}

/** Read the security settings from the environment (see the table above). */
export function loadSecuritySettings(env: Record<string, string | undefined> = process.env, production = env.NODE_ENV === 'production'): SecuritySettings {
  const origins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\/$/, ''))
    .filter(Boolean);
  for (const o of origins) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)) throw new ConfigError(`CORS_ORIGINS: "${o}" is not an origin like https://shop.example.com`);
  }
  if (!production && !origins.includes(STUDIO_ORIGIN)) origins.push(STUDIO_ORIGIN);
  const v = readEnv(env, {
    MAX_BODY_BYTES: envVar.int(100_000),
    MAX_TOKENS: envVar.int(DEFAULT_LIMITS.maxTokens),
    MAX_DEPTH: envVar.int(DEFAULT_LIMITS.maxDepth),
    MAX_ALIASES: envVar.int(DEFAULT_LIMITS.maxAliases),
    MAX_ROOT_FIELDS: envVar.int(DEFAULT_LIMITS.maxRootFields),
    MAX_COST: envVar.int(DEFAULT_LIMITS.maxCost),
    SUBGRAPH_TIMEOUT_MS: envVar.int(5000),
    SUBGRAPH_DEDUPLICATION: envVar.bool(true),
    INTROSPECTION: envVar.bool(!production),
    TRUSTED_DOCUMENTS: envVar.text(undefined),
  });
  return {
    production,
    maxBodyBytes: v.MAX_BODY_BYTES,
    maxTokens: v.MAX_TOKENS,
    maxDepth: v.MAX_DEPTH,
    maxAliases: v.MAX_ALIASES,
    maxRootFields: v.MAX_ROOT_FIELDS,
    maxCost: v.MAX_COST,
    subgraphTimeoutMs: v.SUBGRAPH_TIMEOUT_MS,
    subgraphDeduplication: v.SUBGRAPH_DEDUPLICATION,
    introspection: v.INTROSPECTION,
    hideSchemaDetails: production,
    corsOrigins: origins,
    trustedDocuments: v.TRUSTED_DOCUMENTS,
  };
}

// ---------------------------------------------------------------------------
// Operation limits: depth, aliases, root fields, cost
// ---------------------------------------------------------------------------

/** The Apollo Server options that carry the security settings. */
export function apolloSecurityOptions(s: SecuritySettings): {
  csrfPrevention: boolean;
  allowBatchedHttpRequests: boolean;
  introspection: boolean;
  hideSchemaDetailsFromClientErrors: boolean;
  includeStacktraceInErrorResponses: boolean;
  parseOptions: { maxTokens?: number };
  validationRules: ValidationRule[];
  maxRecursiveSelections: boolean;
} {
  return {
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: s.introspection,
    hideSchemaDetailsFromClientErrors: s.hideSchemaDetails,
    includeStacktraceInErrorResponses: false,
    parseOptions: s.maxTokens ? { maxTokens: s.maxTokens } : {},
    validationRules: [operationLimitsRule(s)],
    maxRecursiveSelections: true,
  };
}

/** An incoming x-request-id is kept when it is a sane token, else a new one is made. */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(header)) return header;
  return crypto.randomUUID();
}

/** CORS answer headers for a request's Origin: empty when the origin is not allowed. */
export function corsHeaders(s: SecuritySettings, origin: string | undefined, preflight: boolean): Record<string, string> {
  if (!origin) return {};
  const allowed = s.corsOrigins.includes('*') || s.corsOrigins.includes(origin);
  if (!allowed) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-expose-headers': 'x-request-id',
  };
  if (preflight) {
    headers['access-control-allow-methods'] = 'GET, POST, OPTIONS';
    headers['access-control-allow-headers'] =
      'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, apollographql-client-name, apollographql-client-version, x-request-id';
    headers['access-control-max-age'] = '600';
  }
  return headers;
}
