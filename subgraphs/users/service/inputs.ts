/**
 * The users subgraph's input rules as zod schemas, checked with
 * platform/validate.ts `validInput`: the first problem becomes one
 * `userErrors` entry (INVALID_INPUT unless the rule names another code, the
 * field's path, a message in the person's words). Rules: docs/users.md.
 * Rules that need the database (a free email, the account's own email, the
 * password being right) are the services'.
 */
import { z } from 'zod';
import { COUNTRY_CODES } from '../../../platform/countries.ts';
import { isHttpUrl } from '../../../platform/validate.ts';
import { normalizeAnswer } from './secrets.ts';

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** An email: trimmed and lower-cased; at most 254 characters, at most 64 before the @. */
export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .refine((e) => e.length <= 254 && EMAIL.test(e) && e.lastIndexOf('@') <= 64, 'Enter a valid email address.');

/** A new password, as typed (not trimmed): shorter than 8 is WEAK_PASSWORD. */
export const Password = z
  .string()
  .refine((p) => p.length >= 8, { message: 'The password must be at least 8 characters long.', params: { code: 'WEAK_PASSWORD' } })
  .max(200, 'The password must be at most 200 characters long.');

/** A required text: trimmed, 1 to `max` characters. */
export function required(label: string, max: number) {
  const message = `${label} must be 1 to ${max} characters.`;
  return z.string().trim().min(1, message).max(max, message);
}

/** An optional text: trimmed, at most `max` characters; null or blank is null (none). */
export function optional(label: string, max: number) {
  return z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters.`)
    .nullish()
    .transform((v) => v || null);
}

/** A field of a partial update: omitted stays undefined (unchanged), otherwise as `schema` says. */
function given<S extends z.ZodType>(schema: S) {
  return z.unknown().pipe(schema).optional();
}

export const FullName = required('The full name', 100);

export const RegisterInput = z.object({ email: Email, password: Password, fullName: FullName });

const PhotoUrl = optional('The photo URL', 2048).refine((v) => v === null || isHttpUrl(v), 'The photo URL must be an http(s) URL.');

/** updateProfile: only the fields given change; null removes one, except the full name. */
export const ProfileInput = z.object({
  fullName: given(z.string({ error: 'The full name cannot be removed.' }).pipe(FullName)),
  gender: given(
    z
      .enum(['MALE', 'FEMALE', 'OTHER'])
      .nullish()
      .transform((g) => g ?? null),
  ),
  photoUrl: given(PhotoUrl),
  phone: given(optional('The phone number', 32)),
  fax: given(optional('The fax number', 32)),
  zip: given(optional('The zip code', 32)),
  contactAddress: given(optional('The contact address', 200)),
  organization: given(optional('The organization', 200)),
});

/** An ISO 3166-1 alpha-2 code in any case, upper-cased. */
export const Country = z
  .string()
  .trim()
  .toUpperCase()
  .refine((c) => COUNTRY_CODES.has(c), 'The country must be an ISO 3166-1 alpha-2 code such as "US".');

/** A shipping address (add and update replace every field); `isDefault` is the service's. */
export const AddressInput = z.object({
  recipientName: required('The recipient name', 100),
  phone: required('The phone number', 32),
  country: Country,
  province: optional('The province', 100),
  city: required('The city', 100),
  street: required('The street', 200),
  postalCode: required('The postal code', 32),
});
export type AddressFields = z.output<typeof AddressInput>;

/** setSecurityQuestion: the question, and the answer as compared (normalized); 1 to 200 characters typed. */
export const SecurityQuestionInput = z.object({
  question: required('The security question', 200),
  answer: z
    .string()
    .refine((a) => a.length <= 200 && normalizeAnswer(a) !== '', 'The answer must be 1 to 200 characters.')
    .transform(normalizeAnswer),
});

/** Why the person leaves (deactivateAccount), optional. */
export const DeactivationReason = optional('The reason', 1000);
