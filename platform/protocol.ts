/**
 * The headers that carry the system's own protocol between the gateway and
 * the subgraphs (and between subgraphs), in one place for both sides.
 */

/** The gateway-to-subgraph secret (every subgraph route but /health requires it). */
export const SECRET_HEADER = 'x-subgraph-secret';
/** One request's id, passed on to every subgraph call it causes (logs). */
export const REQUEST_ID_HEADER = 'x-request-id';
/** The end client's address, as forwarded by a trusted caller (behind the subgraph secret). */
export const CLIENT_IP_HEADER = 'x-client-ip';
/**
 * The gateway refused the request's token (`TOKEN_EXPIRED` or `TOKEN_INVALID`): it sends this
 * instead of the token, and the subgraph makes a guest with that reason without verifying anything
 * (a subgraph that has not yet applied a revocation could otherwise accept the token).
 */
export const TOKEN_REFUSED_HEADER = 'x-token-refused';

/**
 * In a subscribe message from the gateway (graphql-ws, behind the subgraph
 * secret): the verified identity the subscription runs as, `{ userId, roles }`,
 * instead of a token. The gateway verified the token and shares one upstream
 * subscription among the subscribers with that identity
 * (gateway/subscriptions/sharing.ts); it closes a revoked session's sockets
 * itself.
 */
export const IDENTITY_EXTENSION = 'identity';

/** Who a shared subscription answers for: a user with its roles (no session, no token). */
export interface Identity {
  userId: string;
  roles: string[];
}

/** The identity in a subscribe message's extensions, or undefined when there is none (or it is malformed). */
export function identityFrom(extensions: Record<string, unknown> | null | undefined): Identity | undefined {
  const i = extensions?.[IDENTITY_EXTENSION] as { userId?: unknown; roles?: unknown } | undefined;
  if (!i || typeof i !== 'object' || typeof i.userId !== 'string' || !i.userId || i.userId.length > 100) return undefined;
  if (!Array.isArray(i.roles) || !i.roles.every((r) => typeof r === 'string')) return undefined;
  return { userId: i.userId, roles: i.roles as string[] };
}
