/**
 * What the gateway tells clients when something fails: documented codes and a
 * few public extensions only, never a stack, SQL or an internal address; no
 * "Did you mean …" suggestions in production; the request id on every error
 * so a person can quote it (docs/operations.md, "Errors").
 */
import type { GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { PUBLIC_ERROR_CODES } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import { QUERY_TOO_COMPLEX, tokenLimitError } from './limits.ts';

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
