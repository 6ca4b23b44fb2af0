/**
 * platform/validate.ts: a zod schema's first problem with a mutation's input
 * becomes one `userErrors` entry (through `payload`), with the field path, and
 * the work behind it does not run.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { payload } from '../../platform/errors.ts';
import { knownId, validInput } from '../../platform/validate.ts';

const CouponInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9-]{3,32}$/, 'A coupon code is 3 to 32 letters, digits or dashes.'),
  percentOff: z.number().int('A whole percentage.').min(1, 'At least 1 percent.').max(90, 'At most 90 percent.'),
  stores: z.array(z.string().uuid('Not a store id.')).max(10, 'At most 10 stores.').default([]),
});

/** A mutation's work as a service would do it: validate, then write (here: count the writes). */
function createCoupon(input: unknown, writes: unknown[]) {
  return payload({ coupon: null as null | { code: string } }, async () => {
    const valid = validInput(CouponInput, input, { field: ['input'] });
    writes.push(valid);
    return { coupon: { code: valid.code } };
  });
}

describe('validInput', () => {
  it('passes valid input through, as zod shaped it', async () => {
    const writes: unknown[] = [];
    const r = await createCoupon({ code: '  SPRING-10 ', percentOff: 10 }, writes);
    expect(r).toEqual({ coupon: { code: 'SPRING-10' }, userErrors: [] });
    expect(writes).toEqual([{ code: 'SPRING-10', percentOff: 10, stores: [] }]);
  });

  it('answers the first problem as INVALID_INPUT naming the field, and writes nothing', async () => {
    const writes: unknown[] = [];
    expect(await createCoupon({ code: 'SPRING', percentOff: 95 }, writes)).toEqual({
      coupon: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'percentOff'], message: 'At most 90 percent.' }],
    });
    expect(await createCoupon({ code: 'SPRING', percentOff: 5, stores: ['x'] }, writes)).toEqual({
      coupon: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'stores', '0'], message: 'Not a store id.' }],
    });
    expect(writes).toEqual([]);
  });

  it('uses the code it is given, and no field for a problem with the whole input', () => {
    expect(() => validInput(z.string('Send text.'), 42, { code: 'BAD_COUPON' })).toThrow(
      expect.objectContaining({ userError: { code: 'BAD_COUPON', field: null, message: 'Send text.' } }),
    );
  });

  it('answers the code a rule names in its params, and NOT_FOUND for an id that is not a UUID', () => {
    const Password = z
      .string()
      .refine((p) => p.length >= 8, { message: 'At least 8 characters.', params: { code: 'WEAK_PASSWORD' } })
      .max(200, 'At most 200 characters.');
    expect(() => validInput(Password, 'short', { field: ['password'] })).toThrow(
      expect.objectContaining({ userError: { code: 'WEAK_PASSWORD', field: ['password'], message: 'At least 8 characters.' } }),
    );
    expect(() => validInput(Password, 'x'.repeat(201), { field: ['password'] })).toThrow(
      expect.objectContaining({ userError: { code: 'INVALID_INPUT', field: ['password'], message: 'At most 200 characters.' } }),
    );
    const Pay = z.object({ orderId: knownId('No such order.') });
    expect(() => validInput(Pay, { orderId: 'order-1' })).toThrow(
      expect.objectContaining({ userError: { code: 'NOT_FOUND', field: ['orderId'], message: 'No such order.' } }),
    );
    const id = '7d7bd5d2-5f44-4bd4-9c4e-0b4c4a1c3e11';
    expect(validInput(Pay, { orderId: id })).toEqual({ orderId: id });
  });
});
