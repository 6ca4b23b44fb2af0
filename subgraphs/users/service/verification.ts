/**
 * Verifying the email: a code sent to the account's address proves the person
 * receives mail there (security level, docs/users.md). Changing the email
 * makes it unverified again (security.ts), and a code sent to the old address
 * no longer works.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import { GraphQLError } from 'graphql';
import * as q from '../db/queries.ts';
import * as mq from '../db/queries-mail.ts';
import type { UserRow } from '../db/schema.ts';
import { codeHash, issueCode } from './codes.ts';
import { activeUser, lockViewer, type Deps } from './common.ts';
import type { Mailer } from './mail.ts';
import { allowEmail, reserveAttempt, settleAttempt } from './throttle.ts';

/** Emails a verification code to the viewer's address; false (nothing sent) when it is already verified. */
export async function requestEmailVerification(deps: Deps, mailer: Mailer, viewer: Viewer, clientIp?: string): Promise<boolean> {
  const user = await activeUser(deps, viewer);
  if (user.emailVerified) return false;
  if (!(await allowEmail(deps, user.email, clientIp))) {
    throw new GraphQLError('Too many codes were sent lately. Wait a few minutes and try again.', { extensions: { code: 'TOO_MANY_ATTEMPTS' } });
  }
  await deps.db.drizzle.transaction(async (tx) => issueCode(deps, mailer, tx, await lockViewer(tx, viewer), 'verify'));
  mailer.kick();
  return true;
}

/** Marks the viewer's email verified with the code sent to it; guesses are throttled as passwords are. */
export async function verifyEmail(deps: Deps, viewer: Viewer, code: string, clientIp?: string): Promise<UserRow> {
  const user = await activeUser(deps, viewer);
  const attempt = await reserveAttempt(deps, user.email, clientIp);
  let verified: UserRow | undefined;
  try {
    verified = await deps.db.drizzle.transaction(async (tx) => {
      const me = await lockViewer(tx, viewer);
      const used = await mq.useEmailCode(tx, me.id, 'verify', codeHash(code), deps.clock.now(), me.email);
      return used ? q.updateUser(tx, me.id, { emailVerified: true }) : undefined;
    });
  } finally {
    await settleAttempt(deps, attempt, Boolean(verified));
  }
  if (!verified) fail('INVALID_CODE', 'This code is not right, was already used or has expired. Ask for a new one.', ['code']);
  return verified;
}
