/**
 * What a subgraph's callers see of its errors: the documented codes
 * (errors.ts) with their messages, anything else as "Internal server error"
 * (logged here with the request's logger), never a stack trace or SQL.
 */
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { TOKEN_REASONS, type TokenReason } from './auth.ts';
import { PUBLIC_ERROR_CODES } from './errors.ts';
import type { Logger } from './log.ts';

function isPublic(code: unknown): code is string {
  return typeof code === 'string' && PUBLIC_ERROR_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR';
}

/** Mask anything that is not one of our documented codes; never a stack trace. An UNAUTHENTICATED error keeps its token `reason`. */
export function maskError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (isPublic(code)) {
    const reason = formatted.extensions?.reason;
    const extensions = code === 'UNAUTHENTICATED' && TOKEN_REASONS.includes(reason as TokenReason) ? { code, reason } : { code };
    // subgraphs serve the gateway, which validates against the supergraph: their own "Did you mean …"
    // suggestions would only tell a direct caller the schema's names
    return { message: formatted.message.replace(/\s*Did you mean\b[^?]*\?/g, ''), path: formatted.path, locations: formatted.locations, extensions };
  }
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Logs the errors `maskError` hides, with the request's logger (it carries the request id). */
export function logHidden(log: Logger, errors: readonly GraphQLError[]): void {
  for (const e of errors) {
    if (isPublic(e.extensions?.code)) continue;
    log.error('resolver error', { err: e.originalError ?? e, path: e.path });
  }
}
