/**
 * A forgotten password: a code emailed to the account's address
 * (requestPasswordReset, resetPassword), or the answer to the security
 * question (securityQuestion, resetPasswordWithSecurityAnswer). Nothing tells
 * whether an email has an account: the request always answers true, an
 * unknown email gets a decoy question, and every wrong try answers the same.
 * A reset ends every session of the person and signs in anew.
 */
import type { Tx } from '../../../platform/db.ts';
import { fail } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import * as q from '../db/queries.ts';
import * as mq from '../db/queries-mail.ts';
import type { UserRow } from '../db/schema.ts';
import { sessionsRevoked } from '../events.ts';
import { codeHash, issueCode } from './codes.ts';
import { refuseSuspended } from './admin.ts';
import { issue, MAX_PASSWORD_LENGTH, newSession, settle, type AuthResult, type Deps } from './common.ts';
import type { Mailer } from './mail.ts';
import { dummyHash, hashSecret, normalizeAnswer, passwordStrength, verifySecret } from './secrets.ts';
import { allowEmail, reserveAttempt, settleAttempt } from './throttle.ts';
import { validInput } from '../../../platform/validate.ts';
import { Password } from './inputs.ts';

const asEmail = (raw: string) => raw.trim().toLowerCase().slice(0, 254);

/**
 * Emails a reset code to the active account with that email. Always true; an
 * unknown email, and a request over the throttle (per account and per
 * client address), send nothing.
 */
export async function requestPasswordReset(deps: Deps, mailer: Mailer, emailRaw: string, clientIp?: string): Promise<boolean> {
  const email = asEmail(emailRaw);
  if (!(await allowEmail(deps, email, clientIp))) {
    deps.log.info('password reset email throttled', { clientIp });
    return true;
  }
  const user = await q.activeUserByEmail(deps.db.drizzle, email);
  if (!user) return true;
  await deps.db.drizzle.transaction((tx) => issueCode(deps, mailer, tx, user, 'reset'));
  mailer.kick();
  return true;
}

/**
 * A new password with the emailed code, which is then used up (of two resets
 * with one code at once, exactly one succeeds). Counted as a password check
 * (throttled as login is), so codes cannot be guessed.
 */
export async function resetPassword(deps: Deps, emailRaw: string, code: string, newPassword: string, clientIp?: string): Promise<AuthResult> {
  validInput(Password, newPassword, { field: ['newPassword'] });
  const email = asEmail(emailRaw);
  const passwordHash = await hashSecret(newPassword);
  const attempt = await reserveAttempt(deps, email, clientIp);
  let done: { user: UserRow; seqs: number[]; sessionId: string; refreshToken: string } | undefined;
  try {
    done = await deps.db.drizzle.transaction(async (tx) => {
      const user = await q.lockActiveUserByEmail(tx, email);
      if (!user) return undefined;
      const now = deps.clock.now();
      const used = await mq.useEmailCode(tx, user.id, 'reset', codeHash(code), now);
      if (!used) return undefined;
      // the code reached this address: it is the person's
      return replacePassword(deps, tx, user, passwordHash, passwordStrength(newPassword), used.email === user.email);
    });
  } finally {
    await settleAttempt(deps, attempt, Boolean(done));
  }
  if (!done) fail('INVALID_CODE', 'This code is not right, was already used or has expired. Ask for a new one.', ['code']);
  await settle(deps, done.seqs);
  return issue(deps, done.user, done.sessionId, done.refreshToken);
}

const DECOY_QUESTIONS = [
  'What was the name of your first pet?',
  'In what city were you born?',
  "What is your mother's maiden name?",
  'What was the name of your first school?',
  'What was the make of your first car?',
  'What is your favourite book?',
  'What street did you grow up on?',
  'What was your childhood nickname?',
];

/**
 * The account's security question. For an email without an active account,
 * or an account without a question, a decoy: one of the common questions,
 * always the same for that email (chosen by a keyed hash only this system can
 * compute), so the answer looks the same either way.
 */
export async function securityQuestion(deps: Deps, emailRaw: string): Promise<string> {
  const email = asEmail(emailRaw);
  const user = await q.activeUserByEmail(deps.db.drizzle, email);
  const decoy = DECOY_QUESTIONS[Buffer.from(deps.signer.mac('decoy-question', email), 'base64url')[0] % DECOY_QUESTIONS.length];
  return user?.securityQuestion ?? decoy;
}

/** A new password with the security answer: throttled as login is, same answer for every failure. */
export async function resetPasswordWithSecurityAnswer(
  deps: Deps,
  emailRaw: string,
  answerRaw: string,
  newPassword: string,
  clientIp?: string,
): Promise<AuthResult> {
  validInput(Password, newPassword, { field: ['newPassword'] });
  const email = asEmail(emailRaw);
  const attempt = await reserveAttempt(deps, email, clientIp);
  let user: UserRow | undefined;
  let ok = false;
  try {
    user = await q.activeUserByEmail(deps.db.drizzle, email);
    const answer = normalizeAnswer(answerRaw.slice(0, MAX_PASSWORD_LENGTH + 1));
    const typed = answer.length > MAX_PASSWORD_LENGTH ? '' : answer;
    // always one slow comparison, so an unknown email or a missing question takes as long
    ok = (await verifySecret(typed, user?.securityAnswerHash ?? (await dummyHash()))) && Boolean(user?.securityAnswerHash) && typed !== '';
  } finally {
    await settleAttempt(deps, attempt, ok);
  }
  if (!user || !ok) fail('INVALID_CREDENTIALS', 'The email or the answer is not correct.', ['answer']);
  const passwordHash = await hashSecret(newPassword);
  const known = user;
  const done = await deps.db.drizzle.transaction(async (tx) => {
    const locked = await q.lockActiveUser(tx, known.id);
    if (!locked) fail('INVALID_CREDENTIALS', 'The email or the answer is not correct.', ['answer']);
    return replacePassword(deps, tx, locked, passwordHash, passwordStrength(newPassword), false);
  });
  await settle(deps, done.seqs);
  return issue(deps, done.user, done.sessionId, done.refreshToken);
}

/** In `tx`: the new password, every session ended (published), and a new session. */
async function replacePassword(deps: Deps, tx: Tx, user: UserRow, passwordHash: string, strength: number, verified: boolean) {
  // a suspended account cannot sign itself back in this way (its row is locked: docs/admin.md)
  refuseSuspended(user);
  const now = deps.clock.now();
  const updated = await q.updateUser(tx, user.id, { passwordHash, passwordStrength: strength, ...(verified ? { emailVerified: true } : {}) });
  const ended = await q.revokeUserSessions(tx, user.id, now);
  const session = await newSession(deps, tx, user.id);
  const seqs = ended.length ? await publish(tx, [sessionsRevoked(user.id, ended)]) : [];
  return { user: updated, seqs, ...session };
}
