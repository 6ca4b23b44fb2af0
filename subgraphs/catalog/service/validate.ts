/**
 * Input rules of the catalog that are not a mutation's input object (those are
 * zod schemas in inputs.ts): limits, quantities, ids, search arguments. Every
 * bad input becomes a userErrors entry or a BAD_USER_INPUT error.
 */
import { z } from 'zod';
import { badInput, fail } from '../../../platform/errors.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import { validInput } from '../../../platform/validate.ts';

export const LIMITS = {
  storeName: [2, 80],
  storeDescription: 2000,
  title: [1, 200],
  description: [1, 10_000],
  images: 10,
  imageUrl: 2048,
  variants: 50,
  options: 5,
  optionName: 30,
  optionValue: 60,
  sku: 64,
  /** Highest price: 1,000,000.00 */
  maxPriceCents: 100_000_000,
  maxStock: 1_000_000,
  quantity: [1, 999],
  searchQuery: 200,
} as const;

/** A whole number of units from `min` to 999, one message for every way it is not. */
function units(min: number) {
  const message = `Quantity must be a whole number from ${min} to ${LIMITS.quantity[1]}.`;
  return z.number({ error: message }).int(message).min(min, message).max(LIMITS.quantity[1], message);
}
const QUANTITY = { positive: units(LIMITS.quantity[0]), orZero: units(0) };

/** A cart quantity (0 allowed where it removes the line); INVALID_INPUT on `field` otherwise. */
export function quantity(value: unknown, field: string[], allowZero = false): number {
  return validInput(allowZero ? QUANTITY.orZero : QUANTITY.positive, value, { field });
}

/** An id argument: anything that is not a UUID cannot exist. */
export function existingId(value: unknown, field: string[], what: string): string {
  if (!isId(value)) fail('NOT_FOUND', `${what} not found.`, field);
  return value.toLowerCase();
}

/** The search text: trimmed, at most 200 characters; null when empty. */
export function searchText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value.length > LIMITS.searchQuery * 4) throw badInput(`query must be at most ${LIMITS.searchQuery} characters`);
  // eslint-disable-next-line no-control-regex
  const v = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  if (v.length > LIMITS.searchQuery) throw badInput(`query must be at most ${LIMITS.searchQuery} characters`);
  return v === '' ? null : v;
}

/** A price filter ("19.99"); a BAD_USER_INPUT error when it is not one. */
export function priceFilter(value: string | null | undefined, name: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  const cents = parseMoney(value, LIMITS.maxPriceCents * 100);
  if (cents === null) throw badInput(`${name} must be a decimal amount such as "19.99"`);
  return cents;
}
