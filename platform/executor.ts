/**
 * A subgraph's `POST /graphql` (and `GET /graphql`): GraphQL over HTTP with
 * graphql-js and nothing in between, in place of Apollo Server's per-request
 * pipeline (plugin hooks, header maps, content negotiation, a SHA-256 of every
 * query text): about half a subgraph's CPU for a small operation
 * (bench/request-cost.ts measures it).
 *
 * - Each distinct query text is parsed and validated once (graphql's
 *   `specifiedRules` against the subgraph schema) and kept in the one document
 *   cache (subscriptions/documents.ts): the 1,000 most recently used texts of
 *   up to 16 KiB each, validation errors included.
 * - Then, as Apollo Server answered: an unreadable request is BAD_REQUEST
 *   (graphql-request.ts; 405 with `Allow: POST` for a mutation over GET); a
 *   syntax error GRAPHQL_PARSE_FAILED (400); validation errors
 *   GRAPHQL_VALIDATION_FAILED (400); no operation of that name
 *   OPERATION_RESOLUTION_FAILURE (400); variables that do not fit
 *   BAD_USER_INPUT (400, no data); text input with a NUL INVALID_INPUT
 *   (text-input.ts, before anything runs); a failure to build the context
 *   answers with the error's status, else 500. The body is `{ errors, data,
 *   extensions }`, `application/json; charset=utf-8`, whatever `Accept` says.
 * - Every error is formatted by `maskError` (masking.ts); those it hides are
 *   logged by `logHidden` with the request's logger; when the request's token
 *   was refused, every UNAUTHENTICATED error carries the reason
 *   (`withTokenReason`, auth.ts).
 * - Persisted queries are not kept: a request with only a `persistedQuery`
 *   hash is answered PERSISTED_QUERY_NOT_FOUND, and the client sends the text.
 */
import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { withTokenReason } from './auth.ts';
import type { RequestContext } from './context.ts';
import { logHidden, maskError } from './masking.ts';
import { isRecord, readParams, RequestRefused, type GraphQLHttpRequest } from './graphql-request.ts';
import { DocumentCache } from './subscriptions/documents.ts';
import { checkTextInput } from './text-input.ts';

export interface GraphQLHttpAnswer {
  status: number;
  /** The JSON text of the answer. */
  body: string;
  /** Headers beyond the content type (`allow` on a 405). */
  headers?: Record<string, string>;
}

export type { GraphQLHttpRequest };

export interface Executor<C extends RequestContext> {
  run(request: GraphQLHttpRequest, context: () => Promise<C>): Promise<GraphQLHttpAnswer>;
}

/** The error as a client sees it: `code` unless it has one, masked (masking.ts). */
function format(error: GraphQLError, code?: string): GraphQLFormattedError {
  const json = error.toJSON();
  return maskError({ ...json, extensions: { ...json.extensions, code: code ?? error.extensions.code ?? 'INTERNAL_SERVER_ERROR' } });
}

/** The HTTP status an error asks for (`extensions.http.status`, the last one wins), as Apollo Server reads it. */
function statusOf(errors: readonly GraphQLError[]): number | undefined {
  let status: number | undefined;
  for (const e of errors) {
    const s = (e.extensions.http as { status?: unknown } | undefined)?.status;
    if (typeof s === 'number') status = s;
  }
  return status;
}

const asGraphQLError = (err: unknown, prefix = '') =>
  err instanceof GraphQLError ? err : new GraphQLError(prefix + (err instanceof Error ? err.message : String(err)), { originalError: err as Error });

/** A variable whose value does not fit its type (graphql-js's messages, as Apollo Server recognises them). */
function isBadVariable(e: GraphQLError): boolean {
  const node = e.nodes?.length === 1 ? e.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION || e.extensions.code != null) return false;
  const v = `Variable "$${node.variable.name.value}" `;
  return ['has invalid value', 'got invalid value ', 'of required type ', 'of non-null type '].some((s) => e.message.startsWith(v + s));
}

function answer(status: number, errors: readonly GraphQLFormattedError[] | undefined, result?: ExecutionResult, headers?: Record<string, string>) {
  return { status, headers, body: JSON.stringify({ errors, data: result?.data, extensions: result?.extensions }) + '\n' };
}

export function createExecutor<C extends RequestContext>(schema: GraphQLSchema): Executor<C> {
  const documents = new DocumentCache({ parse: (query) => parse(query), validate: (d) => validate(schema, d, specifiedRules), max: 1000, maxLength: 16_384 });

  async function run(request: GraphQLHttpRequest, context: () => Promise<C>): Promise<GraphQLHttpAnswer> {
    const { query, operationName, variables, extensions } = readParams(request);
    if (typeof query !== 'string' || !query) {
      if (isRecord(extensions?.persistedQuery)) return answer(200, [format(new GraphQLError('PersistedQueryNotFound'), 'PERSISTED_QUERY_NOT_FOUND')]);
      throw new RequestRefused(400, 'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.');
    }
    let document: DocumentNode;
    try {
      const checked = documents.get(query);
      if (checked.errors.length)
        return answer(
          400,
          checked.errors.map((e) => format(e, 'GRAPHQL_VALIDATION_FAILED')),
        );
      document = checked.document;
    } catch (err) {
      return answer(400, [format(asGraphQLError(err), 'GRAPHQL_PARSE_FAILED')]);
    }
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      // no context needed: graphql-js refuses before running anything, with its message
      const refused = (execute({ schema, document, operationName }) as ExecutionResult).errors ?? [new GraphQLError('Must provide an operation.')];
      return answer(400, [format(refused[0], 'OPERATION_RESOLUTION_FAILURE')]);
    }
    if (request.method === 'GET' && operation.operation !== 'query')
      throw new RequestRefused(405, `GET requests only support query operations, not ${operation.operation} operations`, { allow: 'POST' });
    const nul = checkTextInput(document, variables);
    if (nul) return answer(statusOf([nul]) ?? 500, [format(nul)]);

    let ctx: C;
    try {
      ctx = await context();
    } catch (err) {
      const e = asGraphQLError(err, 'Context creation failed: ');
      return answer(statusOf([e]) ?? 500, [format(e)]);
    }
    let result: ExecutionResult;
    try {
      result = await execute({ schema, document, contextValue: ctx, variableValues: variables, operationName });
    } catch (err) {
      const e = asGraphQLError(err);
      logHidden(ctx.log, [e]);
      return answer(statusOf([e]) ?? 500, withTokenReason([format(e)], ctx.tokenReason));
    }
    if (!result.errors?.length) return answer(200, undefined, result);
    const errors = result.errors.map((e) =>
      isBadVariable(e)
        ? new GraphQLError(e.message, { nodes: e.nodes, originalError: e.originalError ?? e, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } })
        : e,
    );
    logHidden(ctx.log, errors);
    const status = statusOf(errors) ?? (result.data === undefined ? 400 : 200);
    return answer(
      status,
      withTokenReason(
        errors.map((e) => format(e)),
        ctx.tokenReason,
      ),
      result,
    );
  }

  return {
    async run(request, context) {
      try {
        return await run(request, context);
      } catch (err) {
        if (!(err instanceof RequestRefused)) throw err;
        return answer(err.status, [format(new GraphQLError(err.message), 'BAD_REQUEST')], undefined, err.headers);
      }
    },
  };
}
