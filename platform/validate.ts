/**
 * Input checks more than one subgraph makes, and input validation with zod,
 * mapped to the project's `userErrors`.
 *
 * A service checks a mutation's input against a zod schema; the first problem
 * aborts the mutation with a `UserErrorException` (errors.ts `fail`), which
 * `payload(...)` turns into one `userErrors` entry:
 * `{ code: 'INVALID_INPUT' (or the code given), message, field: [...path] }`.
 * Nothing is written: it throws before the service's transaction starts (or
 * inside it, which rolls it back).
 *
 *     const CouponInput = z.object({
 *       code: z.string().trim().regex(/^[A-Z0-9-]{3,32}$/, 'A coupon code is 3 to 32 letters, digits or dashes.'),
 *       percentOff: z.number().int().min(1, 'At least 1 percent.').max(90, 'At most 90 percent.'),
 *     });
 *     const input = validInput(CouponInput, args.input, { field: ['input'] });
 *     // → userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'percentOff'], message: 'At most 90 percent.' }]
 *
 * Give every rule its own message in the client's words: the message is shown
 * to the person as is. The value returned is zod's output (trimmed,
 * transformed, typed).
 *
 * A rule whose failure has another code than the rest (a short password is
 * WEAK_PASSWORD, an id that is not a UUID names nothing: NOT_FOUND) says so in
 * its params: `.refine(check, { message, params: { code: 'WEAK_PASSWORD' } })`,
 * or `knownId(message)` for ids.
 */
import { z } from 'zod';
import { fail } from './errors.ts';
import { isId } from './scalars.ts';

export interface ValidInputOptions {
  /** The userErrors code (default INVALID_INPUT). */
  code?: string;
  /** Prefix of the field path (e.g. ['input'] for a mutation's `input` argument). */
  field?: string[];
}

/** `input` parsed by `schema`, or a userErrors entry for its first problem. */
export function validInput<S extends z.ZodType>(schema: S, input: unknown, options: ValidInputOptions = {}): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [...(options.field ?? []), ...issue.path.map((p) => String(p))];
  const own = issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : undefined;
  return fail(own ?? options.code ?? 'INVALID_INPUT', issue.message, field.length ? field : null);
}

/**
 * An id argument: one that is not a UUID cannot name anything, so it answers
 * NOT_FOUND with `message` (as an unknown id does), not INVALID_INPUT.
 */
export function knownId(message: string) {
  return z.custom<string>(isId, { message, params: { code: 'NOT_FOUND' } });
}

/** Whether `value` is an absolute http(s) URL with a host (`new URL` parses it). */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
