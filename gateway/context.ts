/** The gateway's per-request context. */
import type { Viewer } from '../subgraphs/kit/auth.ts';

export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
}
