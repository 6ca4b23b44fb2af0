/**
 * The orders subgraph's argument rules as zod schemas, checked with
 * platform/validate.ts `validInput`: the first problem becomes one
 * `userErrors` entry (INVALID_INPUT, or NOT_FOUND for an id that is not a
 * UUID; the field's path; a message in the person's words). Rules:
 * docs/orders.md. Rules that need the order (whose it is, its status, what is
 * left to refund) are the services'. The inputs of disputes, feedback,
 * tracking and payment methods are beside their services.
 */
import { z } from 'zod';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import { knownId } from '../../../platform/validate.ts';

const KEY_RULE = 'idempotencyKey must be 1–200 characters.';
/** An idempotency key: not blank, at most 200 characters as sent (kept as sent). */
const idempotencyKey = z.string({ error: KEY_RULE }).refine((k) => k.trim().length > 0 && k.length <= 200, KEY_RULE);

/** checkout(input): the shape of the request; the cart, address and stock are checkout.ts's. */
export const CheckoutInput = z.object({
  idempotencyKey,
  cartId: knownId('No such cart.').nullish(),
  lineIds: z
    .array(z.string())
    .min(1, 'Choose at least one cart line.')
    .max(500, 'Too many cart lines.')
    .refine((ids) => ids.every(isId), { message: 'No such cart line.', params: { code: 'NOT_FOUND' } })
    .nullish(),
  shippingAddressId: knownId('No such shipping address.'),
  shipping: z
    .array(z.object({ storeId: z.string() }).loose())
    .refine((list) => list.every((s) => isId(s.storeId)), 'Unknown store in shipping.')
    .nullish(),
  expectedTotal: z
    .string()
    .refine((t) => parseMoney(t) !== null, 'expectedTotal must be an amount such as "12.50".')
    .nullish(),
  couponCodes: z
    .array(z.string())
    .refine((codes) => codes.length <= 20 && codes.every((c) => c.length <= 64), 'Too many or too long coupon codes.')
    .nullish(),
});

/** payOrders: the key, and 1–50 distinct orders (repeats counted once). */
export const PayInput = z.object({
  idempotencyKey,
  orderIds: z
    .array(z.string())
    .transform((ids) => [...new Set(ids)])
    .refine((ids) => ids.length >= 1 && ids.length <= 50, { message: 'Pay for 1–50 orders at once.', abort: true })
    .refine((ids) => ids.every(isId), { message: 'No such order.', params: { code: 'NOT_FOUND' } }),
});

/** cancelOrder's reason: at most 500 characters as sent; trimmed, null when blank. */
export const CancelReason = z
  .string()
  .max(500, 'The reason is at most 500 characters.')
  .nullish()
  .transform((r) => r?.trim() || null);

const DAYS_RULE = 'days must be between 1 and 30.';
/** extendShippingTime: whole days, 1 to 30. */
export const ExtraDays = z.number({ error: DAYS_RULE }).int(DAYS_RULE).min(1, DAYS_RULE).max(30, DAYS_RULE);

const TRACKING_RULE = 'The tracking number is 1–100 characters.';
/** shipOrder: the tracking number (trimmed, 1–100) and the carrier (trimmed, at most 100; blank is none). */
export const ShipInput = z.object({
  trackingNumber: z.string({ error: TRACKING_RULE }).trim().min(1, TRACKING_RULE).max(100, TRACKING_RULE),
  carrier: z
    .string()
    .trim()
    .max(100, 'The carrier is at most 100 characters.')
    .nullish()
    .transform((c) => c || null),
});

const REPLY_RULE = 'The reply is 1–2000 characters.';
/** replyToFeedback: trimmed, 1–2000 characters. */
export const FeedbackReply = z.string({ error: REPLY_RULE }).trim().min(1, REPLY_RULE).max(2000, REPLY_RULE);

/** arbitrateDispute's note: trimmed, at most 2000 characters; null when blank. */
export const DisputeNote = z
  .string()
  .trim()
  .max(2000, 'The note is at most 2000 characters.')
  .nullish()
  .transform((n) => n || null);

/** An amount to refund, in minor units; `positive`: more than 0.00. What is left to refund is the service's. */
export function refundAmount(positive: boolean) {
  return z.string({ error: 'The amount is a sum such as "12.50".' }).transform((value, ctx) => {
    const cents = parseMoney(value);
    if (cents === null || (positive && cents === 0)) {
      ctx.addIssue({ code: 'custom', message: cents === null ? 'The amount is a sum such as "12.50".' : 'A refund is more than 0.00.' });
      return z.NEVER;
    }
    return cents;
  });
}

/** resolveDispute without a refund takes no amount. */
export const NoAmount = z.null({ error: 'An amount goes with a refund only.' }).optional();
