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
