/** The users subgraph's internal operations (service to service, docs/internal-api.md), served at `POST /internal/<name>`. */
import type { InternalRoutes } from '../../platform/internal.ts';
import type { UsersService } from './service/index.ts';

export function internalRoutes(service: UsersService): InternalRoutes {
  return {
    /** For the orders subgraph's checkout: a person's address, or null when it is not theirs. */
    shippingAddress: (input: { userId?: unknown; addressId?: unknown }) => service.shippingAddressFor(input?.userId, input?.addressId),
    /** Public names by id (messaging, catalog reviews). */
    profiles: (input: { ids?: unknown }) => service.profiles(input?.ids),
    /** For the orders subgraph, before saving a payment method: `{ level }` (LOW, MEDIUM, HIGH; null for an unknown person). */
    securityLevel: (input: { userId?: unknown }) => service.securityLevel(input?.userId),
  };
}
