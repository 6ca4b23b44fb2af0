/** The gateway's per-request context. */
import type { Viewer } from '../subgraphs/kit/auth.ts';

export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
  /** The client's address (the socket's peer), forwarded to subgraphs as x-client-ip. */
  clientIp?: string;
}
