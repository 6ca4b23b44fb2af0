/** Signing in and out: login, refresh-token rotation (with reuse detection), logout. */
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import * as q from '../db/queries.ts';
import * as qa from '../db/queries-admin.ts';
import type { UserRow } from '../db/schema.ts';
import { sessionsRevoked } from '../events.ts';
import { candidate, issue, newSession, refreshExpiry, settle, type AuthResult, type Deps } from './common.ts';
import { dummyHash, newRefreshToken, sha256, verifySecret } from './secrets.ts';
import { refuseSuspended } from './admin.ts';
import { reserveAttempt, settleAttempt } from './throttle.ts';

export async function login(deps: Deps, emailRaw: string, password: string, clientIp?: string): Promise<AuthResult> {
  const email = emailRaw.trim().toLowerCase().slice(0, 254);
  // reserved before the check: concurrent guesses cannot all get through
  const attempt = await reserveAttempt(deps, email, clientIp);
  let user: UserRow | undefined;
  let ok = false;
  try {
    user = await q.activeUserByEmail(deps.db.drizzle, email);
    // Always run one scrypt verification, so an unknown email takes as long as a wrong password.
    ok = (await verifySecret(candidate(password), user?.passwordHash ?? (await dummyHash()))) && Boolean(user);
  } finally {
    await settleAttempt(deps, attempt, ok);
  }
  if (!user || !ok) fail('INVALID_CREDENTIALS', 'The email or password is not correct.');
  const signedIn = user;
  const session = await deps.db.drizzle.transaction(async (tx) => {
    // the account's row locked: a suspension committing meanwhile either comes first (refused
    // here) or revokes this session too
    const locked = await qa.shareActiveUser(tx, signedIn.id);
    if (!locked) fail('INVALID_CREDENTIALS', 'The email or password is not correct.');
    refuseSuspended(locked);
    return newSession(deps, tx, signedIn.id);
  });
  return issue(deps, user, session.sessionId, session.refreshToken);
}

export async function refreshSession(deps: Deps, refreshToken: string): Promise<AuthResult> {
  const oldHash = sha256(refreshToken);
  const newToken = newRefreshToken();
  const now = deps.clock.now();
  const outcome = await deps.db.drizzle.transaction(async (tx) => {
    const session = await q.rotateRefreshToken(tx, oldHash, sha256(newToken), now, refreshExpiry(deps));
    if (session) {
      await q.rememberUsedRefreshToken(tx, oldHash, session.id, now);
      const [user] = await q.usersByIds(tx, [session.userId]);
      if (!user || user.deactivatedAt) fail('INVALID_CREDENTIALS', 'This session has ended. Sign in again.');
      refuseSuspended(user);
      return { kind: 'ok' as const, user, sessionId: session.id };
    }
    const used = await q.usedRefreshToken(tx, oldHash);
    if (!used) return { kind: 'unknown' as const };
    // A rotated-away token came back: someone holds a copy. End that whole session.
    const revoked = await q.revokeSessions(tx, [used.sessionId], now);
    if (!revoked.length) return { kind: 'unknown' as const };
    const s = await q.sessionById(tx, used.sessionId);
    const seqs = await publish(tx, [sessionsRevoked(s!.userId, revoked)]);
    return { kind: 'reused' as const, seqs };
  });
  if (outcome.kind === 'ok') return issue(deps, outcome.user, outcome.sessionId, newToken);
  if (outcome.kind === 'reused') {
    await settle(deps, outcome.seqs);
    fail('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended for safety. Sign in again.', ['refreshToken']);
  }
  return fail('INVALID_CREDENTIALS', 'The refresh token is not valid. Sign in again.', ['refreshToken']);
}

/** Ends the viewer's session; its tokens are refused everywhere when this answers. */
export async function logout(deps: Deps, viewer: Viewer): Promise<boolean> {
  const seqs = await deps.db.drizzle.transaction(async (tx) => {
    await q.revokeSessions(tx, [viewer.sessionId], deps.clock.now());
    return publish(tx, [sessionsRevoked(viewer.id, [viewer.sessionId])]);
  });
  await settle(deps, seqs);
  return true;
}
