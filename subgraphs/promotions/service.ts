/** The promotions subgraph's rules, authorization and transactions (details in service/*.ts). */
import type { Viewer } from '../../platform/auth.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { isId } from '../../platform/scalars.ts';
import * as q from './db/queries.ts';
import { claimCoupon, createCoupon, type CreateCouponInput } from './service/coupons.ts';
import { redeemCoupons, releaseCoupons } from './service/redeem.ts';
import { onPriceChanged, onUserDeactivated, unwatchPrice, watchPrice } from './service/watches.ts';
import { toCoupon, type CouponView } from './service/view.ts';

export class PromotionsService {
  constructor(readonly deps: SubgraphDeps) {}

  now(): Date {
    return this.deps.clock.now();
  }

  createCoupon(viewer: Viewer | null, input: CreateCouponInput) {
    return createCoupon(this.deps, viewer, input);
  }

  claimCoupon(viewer: Viewer | null, couponId?: string | null, code?: string | null) {
    return claimCoupon(this.deps, viewer, couponId, code);
  }

  async availableCoupons(storeId: string | null | undefined): Promise<CouponView[]> {
    if (storeId !== null && storeId !== undefined && !isId(storeId)) return [];
    const rows = await q.claimableCoupons(this.deps.db.drizzle, this.now(), storeId ?? null);
    return rows.map(toCoupon);
  }

  watchPrice(viewer: Viewer | null, productId: string) {
    return watchPrice(this.deps, viewer, productId);
  }

  unwatchPrice(viewer: Viewer | null, productId: string) {
    return unwatchPrice(this.deps, viewer, productId);
  }

  /** Internal operations (docs/internal-api.md). */
  internalRoutes() {
    return {
      redeemCoupons: (input: unknown) => redeemCoupons(this.deps, input),
      releaseCoupons: (input: unknown) => releaseCoupons(this.deps, input),
    };
  }

  /** Event consumers. */
  startConsumers(): void {
    const { bus, db } = this.deps;
    bus.consume('promotions.price-watch', ['product.price_changed'], db, onPriceChanged);
    bus.consume('promotions.user-deactivated', ['user.deactivated'], db, onUserDeactivated);
  }
}
