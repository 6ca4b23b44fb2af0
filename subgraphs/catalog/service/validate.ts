/** Input rules of the catalog: every bad input becomes a userErrors entry or a BAD_USER_INPUT error. */
import { badInput, fail } from '../../../platform/errors.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import { isHttpUrl } from '../../../platform/validate.ts';
import { storeNameKey } from './store-names.ts';

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

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A trimmed single-line (or multi-line) text within [min, max] characters. */
export function text(value: unknown, field: string[], min: number, max: number, what: string, multiline = false): string {
  if (typeof value !== 'string') fail('INVALID_INPUT', `${what} is required.`, field);
  const v = value.trim();
  if (v.length < min || v.length > max) {
    fail('INVALID_INPUT', min > 1 ? `${what} must be ${min} to ${max} characters.` : `${what} must be 1 to ${max} characters.`, field);
  }
  if (CONTROL.test(v) || (!multiline && /[\r\n\t]/.test(v))) fail('INVALID_INPUT', `${what} contains characters that are not allowed.`, field);
  return v;
}

/**
 * A store name: 2–80 characters on one line (white space runs made one space),
 * kept as typed for display, with the key it is unique by (store-names.ts),
 * which must hold at least 2 visible characters.
 */
export function storeName(value: unknown, field: string[]): { name: string; nameKey: string } {
  const [min, max] = LIMITS.storeName;
  const name = text(value, field, min, max, 'Store name').replace(/\s+/g, ' ');
  const nameKey = storeNameKey(name);
  if (nameKey.replace(/\s/g, '').length < min) fail('INVALID_INPUT', `Store name must have at least ${min} visible characters.`, field);
  return { name, nameKey };
}

export function optionalText(value: unknown, field: string[], max: number, what: string): string | null {
  if (value === null || value === undefined) return null;
  const v = text(value, field, 0, max, what, true);
  return v === '' ? null : v;
}

export function price(value: unknown, field: string[]): number {
  const cents = typeof value === 'string' ? parseMoney(value, LIMITS.maxPriceCents) : null;
  if (cents === null) fail('INVALID_INPUT', 'Price must be a decimal amount such as "19.99", at most 1000000.00.', field);
  if (cents <= 0) fail('INVALID_INPUT', 'Price must be more than zero.', field);
  return cents;
}

export function stock(value: unknown, field: string[]): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > LIMITS.maxStock) {
    fail('INVALID_INPUT', `Stock must be a whole number from 0 to ${LIMITS.maxStock}.`, field);
  }
  return value;
}

export function quantity(value: unknown, field: string[], allowZero = false): number {
  const min = allowZero ? 0 : LIMITS.quantity[0];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > LIMITS.quantity[1]) {
    fail('INVALID_INPUT', `Quantity must be a whole number from ${min} to ${LIMITS.quantity[1]}.`, field);
  }
  return value;
}

export function imageUrl(value: unknown, field: string[]): string {
  const v = typeof value === 'string' ? value.trim() : '';
  const ok = v.length > 0 && v.length <= LIMITS.imageUrl && !CONTROL.test(v) && !/\s/.test(v) && isHttpUrl(v);
  if (!ok) fail('INVALID_INPUT', 'Images must be http(s) URLs.', field);
  return v;
}

const SKU = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;
export function sku(value: unknown, field: string[]): string {
  const v = typeof value === 'string' ? value.trim() : '';
  if (!v || v.length > LIMITS.sku || !SKU.test(v)) {
    fail('INVALID_INPUT', `A SKU is 1 to ${LIMITS.sku} letters, digits, ".", "_", "-" or "/".`, field);
  }
  return v;
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
