/**
 * The promotions subgraph's rules, authorization and transactions, composed from
 * service/*.ts. Methods that act for a person take a present `Viewer` (the
 * resolvers are `authed`); the internal operations are in internal.ts.
 */
import type { Viewer } from '../../../platform/auth.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import { claimCoupon, createCoupon, type CreateCouponInput } from './coupons.ts';
import { redeemCoupons, releaseCoupons } from './redeem.ts';
import { unwatchPrice, watchPrice } from './watches.ts';
import { toCoupon, type CouponView } from './view.ts';

export class PromotionsService {
  constructor(readonly deps: SubgraphDeps) {}

  createCoupon(viewer: Viewer, input: CreateCouponInput) {
    return createCoupon(this.deps, viewer, input);
  }

  claimCoupon(viewer: Viewer, couponId?: string | null, code?: string | null) {
    return claimCoupon(this.deps, viewer, couponId, code);
  }

  /** Coupons anyone can claim now (a store's seller coupons with storeId); an id that cannot exist finds none. */
  async availableCoupons(storeId: string | null | undefined): Promise<CouponView[]> {
    if (storeId !== null && storeId !== undefined && !isId(storeId)) return [];
    const rows = await q.claimableCoupons(this.deps.db.drizzle, this.deps.clock.now(), storeId ?? null);
    return rows.map(toCoupon);
  }

  watchPrice(viewer: Viewer, productId: string) {
    return watchPrice(this.deps, viewer, productId);
  }

  unwatchPrice(viewer: Viewer, productId: string) {
    return unwatchPrice(this.deps, viewer, productId);
  }

  /** For the orders subgraph's checkout (internal.ts). */
  redeemCoupons(input: unknown) {
    return redeemCoupons(this.deps, input);
  }

  releaseCoupons(input: unknown) {
    return releaseCoupons(this.deps, input);
  }
}
