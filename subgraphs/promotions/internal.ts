/**
 * The promotions subgraph's internal operations (service-to-service, docs/internal-api.md),
 * served at `POST /internal/<operation>`: coupon redemption for the orders subgraph's checkout.
 */
import type { InternalRoutes } from '../../platform/internal.ts';
import type { PromotionsService } from './service/index.ts';

export function internalRoutes(service: PromotionsService): InternalRoutes {
  return {
    /** All or nothing, idempotent by key; a released key answers KEY_RELEASED. */
    redeemCoupons: (input: unknown) => service.redeemCoupons(input),
    /** Gives back what a key or orders used, and marks the key released (a tombstone if it never redeemed). */
    releaseCoupons: (input: unknown) => service.releaseCoupons(input),
  };
}
