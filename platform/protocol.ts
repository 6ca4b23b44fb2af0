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
