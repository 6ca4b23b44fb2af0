/** Input rules of sendMessage: body, attachments, who is addressed. */
import { fail } from '../../../platform/errors.ts';
import type { AttachmentValue } from '../db/queries.ts';

export const MAX_BODY_CHARS = 4000;
export const MAX_ATTACHMENTS = 5;
export const MAX_URL_CHARS = 2048;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

export interface SendMessageInput {
  conversationId?: string | null;
  storeId?: string | null;
  orderId?: string | null;
  body: string;
  attachments?: AttachmentValue[] | null;
}

/** Characters as a person counts them (code points, not UTF-16 units). */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Throws a userError (INVALID_INPUT) for anything outside the rules; returns the clean attachments. */
export function validateSendInput(input: SendMessageInput): AttachmentValue[] {
  const hasConversation = input.conversationId !== null && input.conversationId !== undefined;
  const hasStore = input.storeId !== null && input.storeId !== undefined;
  if (hasConversation === hasStore) {
    fail('INVALID_INPUT', 'Give either conversationId (to reply) or storeId (to write to a store), not both or neither.', [
      'input',
      hasConversation ? 'storeId' : 'conversationId',
    ]);
  }
  if (typeof input.body !== 'string' || input.body.trim().length === 0) {
    fail('INVALID_INPUT', 'A message cannot be empty.', ['input', 'body']);
  }
  if (charCount(input.body) > MAX_BODY_CHARS) {
    fail('INVALID_INPUT', `A message is at most ${MAX_BODY_CHARS} characters.`, ['input', 'body']);
  }
  const attachments = input.attachments ?? [];
  if (attachments.length > MAX_ATTACHMENTS) {
    fail('INVALID_INPUT', `A message has at most ${MAX_ATTACHMENTS} attachments.`, ['input', 'attachments']);
  }
  return attachments.map((a, i) => {
    const field = ['input', 'attachments', String(i)];
    if (typeof a.url !== 'string' || a.url.length > MAX_URL_CHARS)
      fail('INVALID_INPUT', `An attachment URL is at most ${MAX_URL_CHARS} characters.`, [...field, 'url']);
    let url: URL;
    try {
      url = new URL(a.url);
    } catch {
      fail('INVALID_INPUT', 'An attachment URL must be an absolute http(s) URL.', [...field, 'url']);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      fail('INVALID_INPUT', 'An attachment URL must use http or https.', [...field, 'url']);
    }
    if (typeof a.contentType !== 'string' || !CONTENT_TYPE.test(a.contentType)) {
      fail('INVALID_INPUT', 'An attachment contentType must look like type/subtype, e.g. image/png.', [...field, 'contentType']);
    }
    return { url: a.url, contentType: a.contentType.toLowerCase() };
  });
}
