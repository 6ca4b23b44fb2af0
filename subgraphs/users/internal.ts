/** The users subgraph's internal operations (service to service, docs/internal-api.md), served at `POST /internal/<name>`. */
import { UserErrorException } from '../../platform/errors.ts';
import type { InternalRoutes } from '../../platform/internal.ts';
import { isId } from '../../platform/scalars.ts';
import type { UsersService } from './service/index.ts';

export function internalRoutes(service: UsersService): InternalRoutes {
  return {
    /** For the orders subgraph's checkout: a person's address, or null when it is not theirs. */
    shippingAddress: (input: { userId?: unknown; addressId?: unknown }) => service.shippingAddressFor(input?.userId, input?.addressId),
    /** Public names by id (messaging, catalog reviews). */
    profiles: (input: { ids?: unknown }) => service.profiles(input?.ids),
    /** For the orders subgraph, before saving a payment method: `{ level }` (LOW, MEDIUM, HIGH; null for an unknown person). */
    securityLevel: (input: { userId?: unknown }) => service.securityLevel(input?.userId),
    /**
     * For messaging's resolveReport (SUSPEND_USER), whose caller checked that the actor is an admin:
     * `{ ok: true, already }` or `{ ok: false, error }`.
     */
    suspendUser: async (input: { actorId?: unknown; userId?: unknown; reason?: unknown }) => {
      const { actorId, userId, reason } = input ?? {};
      if (!isId(actorId) || !isId(userId) || typeof reason !== 'string' || !reason.trim() || reason.length > 1000) {
        return { ok: false, error: { code: 'INVALID_INPUT', message: 'actorId, userId and a reason are required.' } };
      }
      try {
        return { ok: true, already: (await service.suspendFor(actorId, userId, reason.trim())) === 'already' };
      } catch (err) {
        if (err instanceof UserErrorException) return { ok: false, error: { code: err.userError.code, message: err.userError.message } };
        throw err;
      }
    },
  };
}
