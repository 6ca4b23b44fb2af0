/**
 * Input rules of the catalog that are not a mutation's input object (those are
 * zod schemas in inputs.ts): limits, quantities, ids, search arguments. Every
 * bad input becomes a userErrors entry or a BAD_USER_INPUT error.
 */
import { badInput, fail } from '../../../platform/errors.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';

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

export function quantity(value: unknown, field: string[], allowZero = false): number {
  const min = allowZero ? 0 : LIMITS.quantity[0];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > LIMITS.quantity[1]) {
    fail('INVALID_INPUT', `Quantity must be a whole number from ${min} to ${LIMITS.quantity[1]}.`, field);
  }
  return value;
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
