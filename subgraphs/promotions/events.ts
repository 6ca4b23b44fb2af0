/**
 * The promotions subgraph's events: what it consumes (product prices, deactivated
 * people) and what it publishes (`promotion.price_dropped`, docs/internal-api.md).
 * Each consumer runs in the transaction that moves its position (platform/events/bus.ts).
 */
import { publish, type BusEvent, type NewEvent } from '../../platform/events/bus.ts';
import { isId } from '../../platform/scalars.ts';
import type { Consumer } from '../../platform/subgraph.ts';
import { forgetUser, priceChanged, type PriceDrop } from './service/watches.ts';

// ───────────── published ─────────────

export const PRICE_DROPPED = 'promotion.price_dropped';

/** A watcher is told that a product they watch now costs less than they last saw; only they receive it. */
export function priceDropped(drop: PriceDrop, productId: string, title: string | null, newPrice: number): NewEvent {
  return {
    topic: PRICE_DROPPED,
    payload: { userId: drop.userId, productId, title, previousPrice: drop.previousPrice, newPrice },
    audience: [drop.userId],
  };
}

// ───────────── consumed ─────────────

interface PriceChangedPayload {
  productId?: string;
  title?: string;
  oldMinPrice?: number | string | null;
  newMinPrice?: number | string | null;
}

const cents = (v: unknown): number | null => {
  const n = v === null || v === undefined || v === '' ? NaN : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

export const consumers: Consumer[] = [
  {
    // product.price_changed: learn the price; tell every watcher who last saw a higher one, once
    name: 'promotions.price-watch',
    topics: ['product.price_changed'],
    async handle(tx, event: BusEvent) {
      const p = event.payload as PriceChangedPayload;
      const price = cents(p.newMinPrice);
      if (!isId(p.productId) || price === null) return;
      const productId = p.productId;
      const title = typeof p.title === 'string' ? p.title : null;
      const drops = await priceChanged(tx, { productId, title, price, oldPrice: cents(p.oldMinPrice), seq: event.seq });
      await publish(
        tx,
        drops.map((d) => priceDropped(d, productId, title, price)),
      );
    },
  },
  {
    // user.deactivated: the person's unused wallet entries and watches go
    name: 'promotions.user-deactivated',
    topics: ['user.deactivated'],
    async handle(tx, event: BusEvent) {
      const userId = (event.payload as { userId?: string }).userId;
      if (isId(userId)) await forgetUser(tx, userId);
    },
  },
];
