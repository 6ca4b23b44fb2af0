/**
 * What an order's shipping costs and when it should arrive (docs/orders.md,
 * "Shipping"), from its store's shipping as catalog quotes it at checkout.
 *
 * - The option: the store's option of the chosen method for the address's
 *   country, else its option of that method for everywhere else (country null);
 *   none: SHIPPING_UNAVAILABLE. A store that set no options ships with the
 *   defaults (STANDARD free, EXPRESS at EXPRESS_SHIPPING_FEE_CENTS, everywhere).
 * - The estimate: placed + handling days + the option's minDays (from) and
 *   maxDays (to), in whole days of 24 hours.
 * - The ship-by deadline (set when the order is paid): payment + the store's
 *   handling days when it set them, else ORDER_SHIPPING_WINDOW_S.
 */
import { fail } from '../../../platform/errors.ts';

const DAY_MS = 86_400_000;

export interface QuotedOption {
  method: string;
  country: string | null;
  cost: number;
  minDays: number;
  maxDays: number;
}

/** A store's shipping in catalog's checkoutQuote. */
export interface QuotedShipping {
  storeId: string;
  handlingDays: number;
  handlingSet: boolean;
  options: QuotedOption[];
}

export interface OrderShipping {
  shippingCost: number;
  /** Stored on the order only when the store set it (the ship-by deadline follows it). */
  handlingDays: number | null;
  estimatedDeliveryFrom: Date;
  estimatedDeliveryTo: Date;
}

/** The option of `method` for `country`: the country's own, else the one for everywhere else. */
export function optionFor(options: QuotedOption[], method: string, country: string): QuotedOption | null {
  const c = country.toUpperCase();
  return options.find((o) => o.method === method && o.country === c) ?? options.find((o) => o.method === method && o.country === null) ?? null;
}

export function orderShipping(store: QuotedShipping | undefined, storeName: string, method: string, country: string, placedAt: Date): OrderShipping {
  const option = store ? optionFor(store.options, method, country) : null;
  if (!store || !option) {
    fail('SHIPPING_UNAVAILABLE', `${storeName || 'A store'} does not ship ${method} to ${country}.`, ['input', 'shipping']);
  }
  const start = placedAt.getTime() + store.handlingDays * DAY_MS;
  return {
    shippingCost: option.cost,
    handlingDays: store.handlingSet ? store.handlingDays : null,
    estimatedDeliveryFrom: new Date(start + option.minDays * DAY_MS),
    estimatedDeliveryTo: new Date(start + option.maxDays * DAY_MS),
  };
}
