/**
 * sendMessage's input as a zod schema, checked with platform/validate.ts
 * `validInput`: the first problem becomes one `userErrors` entry
 * (INVALID_INPUT, the field's path, a message in the person's words). Rules:
 * docs/messaging.md. Who may write to whom, about which order, is send.ts's.
 */
import { z } from 'zod';
import { isId } from '../../../platform/scalars.ts';
import { isHttpUrl } from '../../../platform/validate.ts';
import type { AttachmentValue } from '../db/queries.ts';

export const MAX_BODY_CHARS = 4000;
export const MAX_ATTACHMENTS = 5;
export const MAX_URL_CHARS = 2048;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** Characters as a person counts them (code points, not UTF-16 units). */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const given = (v: unknown) => v !== null && v !== undefined;

/** Exactly one of conversationId (a reply) and storeId (to a store), checked before the rest. */
const Addressee = z.looseObject({ conversationId: z.unknown().optional(), storeId: z.unknown().optional() }).superRefine((input, ctx) => {
  if (given(input.conversationId) === given(input.storeId)) {
    ctx.addIssue({
      code: 'custom',
      message: 'Give either conversationId (to reply) or storeId (to write to a store), not both or neither.',
      path: [given(input.conversationId) ? 'storeId' : 'conversationId'],
    });
  }
});

const attachmentUrl = z
  .string()
  .max(MAX_URL_CHARS, `An attachment URL is at most ${MAX_URL_CHARS} characters.`)
  .refine((u) => URL.canParse(u), { message: 'An attachment URL must be an absolute http(s) URL.', abort: true })
  .refine(isHttpUrl, 'An attachment URL must use http or https.');

const Attachment = z.object({
  url: attachmentUrl,
  contentType: z
    .string()
    .regex(CONTENT_TYPE, 'An attachment contentType must look like type/subtype, e.g. image/png.')
    .transform((t) => t.toLowerCase()),
});

/** The attachments: at most MAX_ATTACHMENTS (counted before each is looked at); none when null. */
const Attachments = z
  .array(z.unknown())
  .max(MAX_ATTACHMENTS, `A message has at most ${MAX_ATTACHMENTS} attachments.`)
  .pipe(z.array(Attachment))
  .nullish()
  .transform((list) => list ?? []);

const Message = z.object({
  conversationId: z.string().nullish(),
  storeId: z.string().nullish(),
  body: z
    .string({ error: 'A message cannot be empty.' })
    .refine((b) => b.trim().length > 0, { message: 'A message cannot be empty.', abort: true })
    .refine((b) => charCount(b) <= MAX_BODY_CHARS, `A message is at most ${MAX_BODY_CHARS} characters.`),
  attachments: Attachments,
  /** Not an id: no order of theirs (send.ts answers the same for an order of someone else). */
  orderId: z.string().refine(isId, 'That order is not one of yours with this store.').nullish(),
});

export interface SendMessageInput {
  conversationId?: string | null;
  storeId?: string | null;
  orderId?: string | null;
  body: string;
  attachments?: AttachmentValue[] | null;
}

/** sendMessage's input, as sent (the body is kept as typed; content types lower-cased). */
export const SendMessageInput = Addressee.pipe(Message);
