/** The gateway's per-request context. */
import type { TokenReason, Viewer } from '../platform/auth.ts';

export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
  /** The client's address (the socket's peer), forwarded to subgraphs as x-client-ip. */
  clientIp?: string;
  /**
   * The request's token was refused (expired, invalid, revoked): it runs as a
   * guest's, and its UNAUTHENTICATED errors carry this reason. The token itself
   * is never sent on: subgraphs get the reason (`x-token-refused`, protocol.ts).
   */
  tokenReason?: TokenReason;
}
