/**
 * The gateway's security settings, in one place (docs/operations.md).
 *
 * Every limit is read from the environment with a documented default
 * (docs/operations.md); `0` turns a limit off. The same checks run on HTTP
 * (as Apollo Server validation rules and parse options) and on the websocket
 * path (`parseOperation` + `checkOperationLimits`).
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
import { createRequire } from 'node:module';
import type {
  ASTVisitor,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLFormattedError,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
  ValueNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ConfigError, envVar, readEnv } from '../platform/env.ts';
import { PUBLIC_ERROR_CODES } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';

// graphql-js as @apollo/gateway and Apollo Server load it (CommonJS): one realm
// for schemas and errors, also under vitest (which would pick index.mjs).
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const { GraphQLError, Kind, parse } = graphql;
type GraphQLError = import('graphql').GraphQLError;

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';
/** Page size assumed for a field taking `first` when the operation gives none (the contract's default). */
export const DEFAULT_PAGE_SIZE = 20;
/** Page size assumed when `first` is a variable without a default (the contract's maximum). */
export const MAX_PAGE_SIZE = 100;
export const STUDIO_ORIGIN = 'https://studio.apollographql.com';

export interface Limits {
  /** Parser tokens; 0 = no limit. */
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
}

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

export const DEFAULT_LIMITS: Limits = { maxTokens: 5000, maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxCost: 50000 };

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

export interface OperationStats {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
}

interface SetStats {
  /** Fields at this level (through fragments), introspection fields excepted. */
  fields: number;
  depth: number;
  aliases: number;
  cost: number;
}

/**
 * Measure one operation, fragments expanded (each fragment measured once, so
 * this is linear in the document's size however often fragments are spread).
 * Introspection fields (`__schema`, `__type`, `__typename`) count as nothing
 * but their aliases: introspection is off in production.
 */
export function measureOperation(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): OperationStats {
  const memo = new Map<string, SetStats>();
  const inProgress = new Set<string>();
  const empty: SetStats = { fields: 0, depth: 0, aliases: 0, cost: 0 };

  const measureSet = (set: SelectionSetNode | undefined, parent: GraphQLNamedType | undefined): SetStats => {
    const out: SetStats = { ...empty };
    if (!set) return out;
    for (const sel of set.selections) {
      let s: SetStats;
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) out.aliases++;
        if (sel.name.value.startsWith('__')) continue;
        const def = fieldsOf(parent)?.[sel.name.value];
        const child = measureSet(sel.selectionSet, def ? namedType(def.type) : undefined);
        const pageArg = def?.args.find((a) => a.name === 'first' || a.name === 'last');
        const factor = pageArg ? pageSize(sel.arguments?.find((a) => a.name.value === pageArg.name)?.value, operation) : 1;
        out.fields++;
        out.depth = Math.max(out.depth, 1 + child.depth);
        out.aliases += child.aliases;
        out.cost += 1 + factor * child.cost;
        continue;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        s = measureSet(sel.selectionSet, type ?? undefined);
      } else {
        const name = sel.name.value;
        const frag = fragments[name];
        if (!frag || inProgress.has(name)) continue; // unknown or cyclic: the standard rules report it
        let m = memo.get(name);
        if (!m) {
          inProgress.add(name);
          m = measureSet(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined);
          inProgress.delete(name);
          memo.set(name, m);
        }
        s = m;
      }
      out.fields += s.fields;
      out.depth = Math.max(out.depth, s.depth);
      out.aliases += s.aliases;
      out.cost += s.cost;
    }
    return out;
  };

  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const s = measureSet(operation.selectionSet, root ?? undefined);
  return { depth: s.depth, aliases: s.aliases, rootFields: s.fields, cost: s.cost };
}

/** Fields of an object or interface type (duck-typed: no instanceof across module realms). */
function fieldsOf(type: GraphQLNamedType | undefined): Record<string, { type: unknown; args: readonly { name: string }[] }> | undefined {
  const t = type as { getFields?: () => Record<string, { type: unknown; args?: readonly { name: string }[] }> } | undefined;
  if (!t?.getFields || 'getValues' in t) return undefined;
  const fields = t.getFields();
  // input object fields have no args: never reached from a selection set
  return fields as Record<string, { type: unknown; args: readonly { name: string }[] }>;
}

function namedType(type: unknown): GraphQLNamedType {
  let t = type as { ofType?: unknown };
  while (t.ofType) t = t.ofType as { ofType?: unknown };
  return t as unknown as GraphQLNamedType;
}

function pageSize(value: ValueNode | undefined, operation: OperationDefinitionNode): number {
  if (!value || value.kind === Kind.NULL) return DEFAULT_PAGE_SIZE;
  if (value.kind === Kind.INT) return Math.max(0, Number(value.value));
  if (value.kind === Kind.VARIABLE) {
    const def = operation.variableDefinitions?.find((v) => v.variable.name.value === value.name.value);
    if (def?.defaultValue?.kind === Kind.INT) return Math.max(0, Number(def.defaultValue.value));
    return MAX_PAGE_SIZE;
  }
  return DEFAULT_PAGE_SIZE;
}

function limitError(limit: string, message: string, node?: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, { nodes: node ? [node] : undefined, extensions: { code: QUERY_TOO_COMPLEX, limit } });
}

/** Errors for every limit the operation exceeds (none when within all). */
export function limitErrorsFor(stats: OperationStats, limits: Limits, node?: OperationDefinitionNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const name = node?.name ? ` "${node.name.value}"` : '';
  if (limits.maxDepth && stats.depth > limits.maxDepth) {
    errors.push(limitError('MAX_DEPTH', `Operation${name} is nested ${stats.depth} levels deep; the limit is ${limits.maxDepth} (MAX_DEPTH).`, node));
  }
  if (limits.maxAliases && stats.aliases > limits.maxAliases) {
    errors.push(limitError('MAX_ALIASES', `Operation${name} uses ${stats.aliases} aliases; the limit is ${limits.maxAliases} (MAX_ALIASES).`, node));
  }
  if (limits.maxRootFields && stats.rootFields > limits.maxRootFields) {
    errors.push(
      limitError(
        'MAX_ROOT_FIELDS',
        `Operation${name} asks for ${stats.rootFields} top-level fields; the limit is ${limits.maxRootFields} (MAX_ROOT_FIELDS).`,
        node,
      ),
    );
  }
  if (limits.maxCost && stats.cost > limits.maxCost) {
    errors.push(limitError('MAX_COST', `Operation${name} has an estimated cost of ${stats.cost}; the limit is ${limits.maxCost} (MAX_COST).`, node));
  }
  return errors;
}

/** A GraphQL validation rule enforcing depth, aliases, root fields and cost. */
export function operationLimitsRule(limits: Limits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const doc = context.getDocument();
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    return {
      OperationDefinition(node) {
        const stats = measureOperation(context.getSchema(), node, fragments);
        for (const e of limitErrorsFor(stats, limits, node)) context.reportError(e);
        return false;
      },
    };
  };
}

/** Parse an operation with the token limit (for the websocket path; HTTP uses Apollo's parseOptions). */
export function parseOperation(source: string, limits: Pick<Limits, 'maxTokens'>): DocumentNode {
  try {
    return parse(source, limits.maxTokens ? { maxTokens: limits.maxTokens } : undefined);
  } catch (err) {
    throw tokenLimitError(err) ?? err;
  }
}

function tokenLimitError(err: unknown): GraphQLError | undefined {
  const m = /Document contains more th(?:an|at) (\d+) tokens/.exec((err as Error)?.message ?? '');
  if (!m) return undefined;
  return new GraphQLError(`The operation has more than ${m[1]} tokens; the limit is ${m[1]} (MAX_TOKENS).`, {
    extensions: { code: QUERY_TOO_COMPLEX, limit: 'MAX_TOKENS' },
  });
}

/**
 * The limits for a parsed operation document, for the websocket path: the
 * same errors HTTP clients get (empty when the document is within limits).
 */
export function checkOperationLimits(schema: GraphQLSchema, document: DocumentNode, limits: Limits): GraphQLError[] {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const errors: GraphQLError[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) errors.push(...limitErrorsFor(measureOperation(schema, d, fragments), limits, d));
  }
  return errors;
}

// ---------------------------------------------------------------------------
// Apollo Server options and error masking
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

/**
 * Which request an error belongs to, for maskGatewayError: the plugin notes
 * the request id of every error a request meets (before formatting), and
 * `requestIdOf` reads it back. Node 20's AsyncLocalStorage would do the same
 * at the price of a hook on every promise of the process, once it has run
 * (awaiting a resolved promise took about 3× as long with one, on Node 20.20).
 */
export function errorRequestIds() {
  const ids = new WeakMap<object, string>();
  const plugin: ApolloServerPlugin<{ requestId: string }> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          if (!contextValue?.requestId) return;
          for (const e of errors) {
            ids.set(e, contextValue.requestId);
            if (e.originalError && typeof e.originalError === 'object') ids.set(e.originalError, contextValue.requestId);
          }
        },
      };
    },
  };
  const requestIdOf = (error: unknown) => (error && typeof error === 'object' ? ids.get(error) : undefined);
  return { plugin, requestIdOf };
}

/**
 * A message without graphql-js's suggestions (` Did you mean "name"?`, `…the
 * enum value "X"?`, `…to use an inline fragment on "T"?`): in production they
 * would tell a client the schema's names (introspection is off there).
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean\b[^?]*\?/g, '');
}

/** Extensions a client may see, besides `code`. */
const PUBLIC_EXTENSIONS = ['serviceName', 'limit', 'requestId', 'reason'];

/**
 * The gateway's formatError: keep documented codes (platform/errors.ts
 * PUBLIC_ERROR_CODES, also when a subgraph sent them), turn everything else
 * into INTERNAL_SERVER_ERROR with the request id, and never pass on stack
 * traces, SQL, file paths or internal URLs. Logged with what was hidden.
 * With `hideSuggestions` (production) no message keeps a "Did you mean …".
 */
export function maskGatewayError(log: Logger, requestIdOf: (error: unknown) => string | undefined = () => undefined, hideSuggestions = false) {
  const mask = maskGatewayErrorWithSuggestions(log, requestIdOf);
  if (!hideSuggestions) return mask;
  // Apollo's hideSchemaDetailsFromClientErrors misses some (input object fields of variables): every message, here
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const masked = mask(formatted, error);
    return { ...masked, message: withoutSuggestions(masked.message) };
  };
}

function maskGatewayErrorWithSuggestions(log: Logger, requestIdOf: (error: unknown) => string | undefined) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown })?.originalError;
    const tokens = tokenLimitError(error) ?? tokenLimitError(original);
    if (tokens) return { message: tokens.message, extensions: { code: QUERY_TOO_COMPLEX, limit: 'MAX_TOKENS' } };
    const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
    let code = typeof ext.code === 'string' ? ext.code : undefined;
    if (ext.limit && code === 'GRAPHQL_VALIDATION_FAILED') code = QUERY_TOO_COMPLEX;
    if (code && PUBLIC_ERROR_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
      const extensions: Record<string, unknown> = { code };
      for (const k of PUBLIC_EXTENSIONS)
        if (ext[k] !== undefined && k !== 'requestId' && (k !== 'reason' || code === 'UNAUTHENTICATED')) extensions[k] = ext[k];
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    const requestId = requestIdOf(error) ?? (typeof ext.requestId === 'string' ? ext.requestId : undefined);
    const thrown = original ?? error;
    log.error('request error', {
      requestId,
      message: formatted.message,
      code,
      serviceName: ext.serviceName,
      path: formatted.path,
      err: thrown instanceof Error ? thrown : describe(thrown), // an Error: logged with its stack
    });
    const extensions: Record<string, unknown> = { code: 'INTERNAL_SERVER_ERROR' };
    if (typeof ext.serviceName === 'string') extensions.serviceName = ext.serviceName;
    if (requestId) extensions.requestId = requestId;
    return { message: 'Internal server error', path: formatted.path, extensions };
  };
}

/** A log-friendly description of anything thrown (never "[object Object]"). */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  if (err && typeof err === 'object') {
    try {
      return JSON.stringify(err);
    } catch {
      return Object.prototype.toString.call(err);
    }
  }
  return String(err);
}

// ---------------------------------------------------------------------------
// Request ids and CORS
// ---------------------------------------------------------------------------

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
