/** The orders subgraph's internal operations (service to service), served at `POST /internal/<name>`. */
import type { InternalRoutes } from '../../platform/internal.ts';
import type { OrdersService } from './service/index.ts';

export function internalRoutes(service: OrdersService): InternalRoutes {
  return {
    /** users, before deactivating an account: `{ count }` of the buyer's orders still under way. */
    pendingOrders: (input: { userId?: unknown }) => service.orders.pendingOrders(input),
    /** the gateway, for `POST /webhooks/<provider>`: `{ status, body }` to answer the provider with. */
    providerWebhook: (input: { provider?: unknown; payload?: unknown; signature?: unknown }) => service.providerEvents.webhook(input),
  };
}
