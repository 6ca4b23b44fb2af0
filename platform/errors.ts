/**
 * Errors every subgraph speaks. Business failures of a mutation are
 * `userErrors` entries; authentication and authorization failures are GraphQL
 * errors with `extensions.code`.
 */
import { GraphQLError } from 'graphql';

/** Codes a client may see; anything else is masked as INTERNAL_SERVER_ERROR. */
export const PUBLIC_ERROR_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'TOO_MANY_ATTEMPTS',
  'NOT_FOUND',
  'INVALID_INPUT',
  'SUBGRAPH_UNAVAILABLE',
  'SUBGRAPH_TIMEOUT',
  'INTERNAL_SERVER_ERROR',
]);

export interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}

export function userError(code: string, message: string, field: string[] | null = null): UserError {
  return { field, code, message };
}

/** Thrown inside a service to abort (and roll back) with a userErrors entry. */
export class UserErrorException extends Error {
  constructor(readonly userError: UserError) {
    super(userError.message);
  }
}

export function fail(code: string, message: string, field: string[] | null = null): never {
  throw new UserErrorException(userError(code, message, field));
}

export function unauthenticated(message = 'Sign in to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 200 } } });
}

export function forbidden(message = 'You are not allowed to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/**
 * Run a mutation's work and shape its payload: `{ ...result, userErrors: [] }`
 * on success, `{ ...empty, userErrors: [e] }` on a UserErrorException.
 */
export async function payload<T extends object>(empty: T, work: () => Promise<T>): Promise<T & { userErrors: UserError[] }> {
  try {
    return { ...(await work()), userErrors: [] };
  } catch (err) {
    if (err instanceof UserErrorException) return { ...empty, userErrors: [err.userError] };
    throw err;
  }
}

/** A query argument that cannot be used (a bad cursor, filter, search text or id): BAD_USER_INPUT. */
export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
