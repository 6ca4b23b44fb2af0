/** Input rules of the users subgraph: each failure is a userErrors entry (INVALID_INPUT unless said). */
import { fail } from '../../../platform/errors.ts';
import { COUNTRY_CODES } from '../../../platform/countries.ts';

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Trimmed, lower-cased email, or a userErrors failure. */
export function validEmail(raw: string, field: string[]): string {
  const email = raw.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (email.length > 254 || !EMAIL.test(email) || at > 64) fail('INVALID_INPUT', 'Enter a valid email address.', field);
  return email;
}

export function validPassword(password: string, field: string[]): string {
  if (password.length < 8) fail('WEAK_PASSWORD', 'The password must be at least 8 characters long.', field);
  if (password.length > 200) fail('INVALID_INPUT', 'The password must be at most 200 characters long.', field);
  return password;
}

/** A required text: trimmed, 1..max characters. */
export function required(value: string, max: number, field: string[], label: string): string {
  const v = value.trim();
  if (v.length < 1 || v.length > max) fail('INVALID_INPUT', `${label} must be 1 to ${max} characters.`, field);
  return v;
}

/** An optional text: null/empty clears it; otherwise trimmed, at most max characters. */
export function optional(value: string | null | undefined, max: number, field: string[], label: string): string | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (v.length > max) fail('INVALID_INPUT', `${label} must be at most ${max} characters.`, field);
  return v;
}

export function validPhotoUrl(value: string | null | undefined, field: string[]): string | null {
  const v = optional(value, 2048, field, 'The photo URL');
  if (v === null) return null;
  let ok = false;
  try {
    const u = new URL(v);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) fail('INVALID_INPUT', 'The photo URL must be an http(s) URL.', field);
  return v;
}

export function validCountry(value: string, field: string[]): string {
  const v = value.trim().toUpperCase();
  if (!COUNTRY_CODES.has(v)) fail('INVALID_INPUT', 'The country must be an ISO 3166-1 alpha-2 code such as "US".', field);
  return v;
}

export interface AddressInput {
  recipientName: string;
  phone: string;
  country: string;
  province?: string | null;
  city: string;
  street: string;
  postalCode: string;
  isDefault?: boolean | null;
}

export interface AddressFields {
  recipientName: string;
  phone: string;
  country: string;
  province: string | null;
  city: string;
  street: string;
  postalCode: string;
}

export function validAddress(input: AddressInput): AddressFields {
  const f = (name: string) => ['input', name];
  return {
    recipientName: required(input.recipientName, 100, f('recipientName'), 'The recipient name'),
    phone: required(input.phone, 32, f('phone'), 'The phone number'),
    country: validCountry(input.country, f('country')),
    province: optional(input.province, 100, f('province'), 'The province'),
    city: required(input.city, 100, f('city'), 'The city'),
    street: required(input.street, 200, f('street'), 'The street'),
    postalCode: required(input.postalCode, 32, f('postalCode'), 'The postal code'),
  };
}
