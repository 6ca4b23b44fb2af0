/**
 * Account security after sign-in: the password, the email and the security
 * question, each behind the current password (throttled as login is).
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail, unauthenticated } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import * as q from '../db/queries.ts';
import type { UserRow } from '../db/schema.ts';
import { sessionsRevoked } from '../events.ts';
import { activeUser, isUniqueViolation, issue, lockViewer, MAX_PASSWORD_LENGTH, refreshExpiry, settle, type AuthResult, type Deps } from './common.ts';
import { hashSecret, newRefreshToken, normalizeAnswer, passwordStrength, sha256, verifySecret } from './secrets.ts';
import { checkPassword } from './throttle.ts';
import { validInput } from '../../../platform/validate.ts';
import { Email, Password, SecurityQuestionInput } from './inputs.ts';

/** Changes the password; every other session ends (refused everywhere when this answers), this one gets a fresh refresh token. */
export async function changePassword(deps: Deps, viewer: Viewer, currentPassword: string, newPassword: string, clientIp?: string): Promise<AuthResult> {
  validInput(Password, newPassword, { field: ['newPassword'] });
  const user = await activeUser(deps, viewer);
  await checkPassword(deps, user, currentPassword, ['currentPassword'], clientIp);
  const passwordHash = await hashSecret(newPassword);
  const refreshToken = newRefreshToken();
  const { updated, seqs } = await deps.db.drizzle.transaction(async (tx) => {
    await lockViewer(tx, viewer);
    const updated = await q.updateUser(tx, viewer.id, { passwordHash, passwordStrength: passwordStrength(newPassword) });
    const others = await q.revokeUserSessions(tx, viewer.id, deps.clock.now(), viewer.sessionId);
    // The current session stays, with a fresh refresh token.
    const current = await q.setSessionRefreshHash(tx, viewer.sessionId, sha256(refreshToken), refreshExpiry(deps));
    if (!current) throw unauthenticated('This session has ended. Sign in again.');
    const seqs = others.length ? await publish(tx, [sessionsRevoked(viewer.id, others)]) : [];
    return { updated, seqs };
  });
  await settle(deps, seqs);
  return issue(deps, updated, viewer.sessionId, refreshToken);
}

export type SecurityLevel = 'LOW' | 'MEDIUM' | 'HIGH';

/**
 * The account's security level, the one rule everything asks (the User field,
 * changeEmail, and other subgraphs through the users' internal operations):
 * LOW = a password only; MEDIUM = a verified email or a security question;
 * HIGH = both.
 */
export function securityLevelOf(user: Pick<UserRow, 'emailVerified' | 'securityAnswerHash'>): SecurityLevel {
  const verified = user.emailVerified;
  const question = Boolean(user.securityAnswerHash);
  if (verified && question) return 'HIGH';
  if (verified || question) return 'MEDIUM';
  return 'LOW';
}

/** What a sensitive action needing MEDIUM says to a LOW account: how to raise it. */
export const RAISE_SECURITY_LEVEL =
  'Verify your email (requestEmailVerification, then verifyEmail with the emailed code) or set a security question (setSecurityQuestion), then try again.';

/**
 * Changes the email: needs security level MEDIUM or higher, the password, and
 * the security answer when the account has a question. The new email is
 * unverified until confirmed (a code sent to the old address no longer works).
 */
export async function changeEmail(
  deps: Deps,
  viewer: Viewer,
  password: string,
  newEmailRaw: string,
  securityAnswer?: string | null,
  clientIp?: string,
): Promise<UserRow> {
  const email = validInput(Email, newEmailRaw, { field: ['newEmail'] });
  const user = await activeUser(deps, viewer);
  if (securityLevelOf(user) === 'LOW') {
    fail('SECURITY_LEVEL_TOO_LOW', `Changing the email needs security level MEDIUM or higher (yours is LOW). ${RAISE_SECURITY_LEVEL}`);
  }
  // a wrong security answer is a failed attempt too
  await checkPassword(deps, user, password, ['password'], clientIp, async () => {
    if (!user.securityAnswerHash) return;
    const answer = normalizeAnswer(securityAnswer ?? '');
    if (!answer || answer.length > MAX_PASSWORD_LENGTH || !(await verifySecret(answer, user.securityAnswerHash))) {
      fail('INVALID_CREDENTIALS', 'The security answer is not correct.', ['securityAnswer']);
    }
  });
  try {
    return await deps.db.drizzle.transaction(async (tx) => {
      const me = await lockViewer(tx, viewer);
      const other = await q.activeUserByEmail(tx, email);
      if (other && other.id !== viewer.id) fail('EMAIL_TAKEN', 'An account with this email already exists.', ['newEmail']);
      return q.updateUser(tx, viewer.id, me.email === email ? { email } : { email, emailVerified: false });
    });
  } catch (err) {
    if (isUniqueViolation(err)) fail('EMAIL_TAKEN', 'An account with this email already exists.', ['newEmail']);
    throw err;
  }
}

/** Sets (or replaces) the security question; the answer is kept as a slow hash, compared case- and space-insensitively. */
export async function setSecurityQuestion(
  deps: Deps,
  viewer: Viewer,
  password: string,
  questionRaw: string,
  answerRaw: string,
  clientIp?: string,
): Promise<UserRow> {
  const { question, answer } = validInput(SecurityQuestionInput, { question: questionRaw, answer: answerRaw });
  const user = await activeUser(deps, viewer);
  await checkPassword(deps, user, password, ['password'], clientIp);
  const securityAnswerHash = await hashSecret(answer);
  return deps.db.drizzle.transaction(async (tx) => {
    await lockViewer(tx, viewer);
    return q.updateUser(tx, viewer.id, { securityQuestion: question, securityAnswerHash });
  });
}
