/**
 * The catalog's events: what it publishes (in the transaction of the change
 * that causes it, through the outbox) and what it consumes.
 *
 * Published: `product.price_changed` (a variant's price changed: promotions'
 * price watches), `product.stock_changed` (a variant's stock changed: by its
 * owner, a reservation or a release). Consumed: `user.deactivated` (the
 * person's cart, Wish List and Store List are deleted; their stores stay).
 */
import type { NewEvent } from '../../platform/events/bus.ts';
import { isId } from '../../platform/scalars.ts';
import type { Consumer } from '../../platform/subgraph.ts';
import type { ListService } from './service/lists.ts';

export const TOPICS = {
  priceChanged: 'product.price_changed',
  stockChanged: 'product.stock_changed',
} as const;

/** A variant's stock is now `stock`. */
export function stockChanged(v: { productId: string; id: string; stock: number }): NewEvent {
  return { topic: TOPICS.stockChanged, payload: { productId: v.productId, variantId: v.id, stock: v.stock }, audience: [] };
}

export interface PriceChange {
  productId: string;
  variantId: string;
  storeId: string;
  title: string;
  oldPrice: number;
  newPrice: number;
  oldMinPrice: number;
  newMinPrice: number;
}

/** A variant's price changed (and with it, perhaps, its product's lowest price). */
export function priceChanged(change: PriceChange): NewEvent {
  return { topic: TOPICS.priceChanged, payload: { ...change }, audience: [] };
}

export function consumers(lists: ListService): Consumer[] {
  return [
    {
      name: 'catalog.user-cleanup',
      topics: ['user.deactivated'],
      handle: async (tx, event) => {
        const userId = event.payload.userId;
        if (isId(userId)) await lists.forgetPerson(tx, userId);
      },
    },
  ];
}
