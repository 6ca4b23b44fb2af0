/**
 * One-time codes sent by email (a password reset, an email verification):
 * 8 characters from 32 unambiguous ones (40 bits), valid EMAIL_CODE_TTL_S
 * (30 minutes), used at most once, only the newest of a purpose works; only
 * the code's SHA-256 is stored. Guesses are throttled as passwords are.
 */
import crypto from 'node:crypto';
import { composeMail } from '../../../platform/mail/compose.ts';
import type { Tx } from '../../../platform/db.ts';
import * as mq from '../db/queries-mail.ts';
import type { UserRow } from '../db/schema.ts';
import type { Deps } from './common.ts';
import type { Mailer } from './mail.ts';
import { sha256 } from './secrets.ts';

export type CodePurpose = 'reset' | 'verify';

/** No 0/O, 1/I/L: a code read off a phone is typed right. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 8;

export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[crypto.randomInt(ALPHABET.length)];
  return code;
}

/** What a typed code is compared as: upper case, without spaces or dashes. */
export function codeHash(typed: string): string {
  return sha256(typed.toUpperCase().replace(/[\s-]/g, '').slice(0, 64));
}

const WORDING: Record<CodePurpose, { subject: string; why: string }> = {
  reset: {
    subject: 'Your password reset code',
    why: 'Someone (we hope you) asked to reset the password of your account. Enter this code to choose a new password.',
  },
  verify: {
    subject: 'Confirm your email address',
    why: 'Enter this code to confirm that this is your email address.',
  },
};

/** Issues a new code of `purpose` for `user` (older unused ones stop working) and queues its email, in `tx`. */
export async function issueCode(deps: Deps, mailer: Mailer, tx: Tx, user: UserRow, purpose: CodePurpose): Promise<void> {
  const code = newCode();
  const now = deps.clock.now();
  const ttlS = deps.config.mail.codeTtlS;
  await mq.replaceEmailCode(tx, {
    userId: user.id,
    purpose,
    email: user.email,
    codeHash: codeHash(code),
    expiresAt: new Date(now.getTime() + ttlS * 1000),
    createdAt: now,
  });
  const minutes = Math.max(1, Math.round(ttlS / 60));
  const body = composeMail({
    greeting: `Hello ${user.fullName},`,
    paragraphs: [WORDING[purpose].why, `It works once, for ${minutes} minute${minutes === 1 ? '' : 's'}. If you did not ask for it, ignore this email.`],
    code,
  });
  await mailer.enqueue(tx, {
    key: `code:${crypto.randomUUID()}`,
    toAddress: user.email,
    subject: WORDING[purpose].subject,
    textBody: body.text,
    htmlBody: body.html,
    unsubscribeUrl: null,
  });
}
