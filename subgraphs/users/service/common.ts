/**
 * What the parts of the users service share: the clock, issuing tokens for a
 * session, the viewer's account, and the wait for published events.
 */
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import { unauthenticated } from '../../../platform/errors.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries.ts';
import type { UserRow } from '../db/schema.ts';
import { newRefreshToken, sha256 } from './secrets.ts';

export type Deps = SubgraphDeps;

export const DELETED_USER_NAME = 'Deleted user';
/** Longer than any password can be (validPassword): refused without being compared. */
export const MAX_PASSWORD_LENGTH = 200;

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  viewer: UserRow;
}

export function refreshExpiry(deps: Deps): Date {
  return new Date(deps.clock.now().getTime() + deps.config.refreshTokenTtlS * 1000);
}

/**
 * After a commit that published `seqs` (publish as the transaction's last
 * statement): wait until this process has applied those events, so a
 * revocation holds before the mutation answers. The numbers are those of this
 * subgraph's own database; when USERS_DATABASE_URL sets it apart from the
 * event log's, the bus waits for the relay's copies (platform/events/bus.ts).
 */
export async function settle(deps: Deps, seqs: number[]): Promise<void> {
  await deps.bus.settled(deps.db, deps.name, seqs);
}

export async function issue(deps: Deps, user: UserRow, sessionId: string, refreshToken: string): Promise<AuthResult> {
  const { token } = await deps.signer.sign({ userId: user.id, sessionId, roles: user.roles });
  return { accessToken: token, refreshToken, viewer: user };
}

export async function newSession(deps: Deps, tx: Tx, userId: string): Promise<{ sessionId: string; refreshToken: string }> {
  const refreshToken = newRefreshToken();
  const s = await q.insertSession(tx, {
    userId,
    refreshTokenHash: sha256(refreshToken),
    expiresAt: refreshExpiry(deps),
    createdAt: deps.clock.now(),
  });
  return { sessionId: s.id, refreshToken };
}

/** The viewer's active account (UNAUTHENTICATED when it is gone). */
export async function activeUser(deps: Deps, viewer: Viewer): Promise<UserRow> {
  const [u] = await q.usersByIds(deps.db.drizzle, [viewer.id]);
  if (!u || u.deactivatedAt) throw unauthenticated('This account no longer exists.');
  return u;
}

/** The viewer's active account, locked for the rest of the transaction (UNAUTHENTICATED when it is gone). */
export async function lockViewer(tx: Tx, viewer: Viewer): Promise<UserRow> {
  const user = await q.lockActiveUser(tx, viewer.id);
  if (!user) throw unauthenticated('This account no longer exists.');
  return user;
}

/** What a typed password is compared as: one longer than any password can be compares as '' (never right, same work). */
export function candidate(password: string): string {
  return password.length > MAX_PASSWORD_LENGTH ? '' : password;
}

export function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return true;
  }
  return false;
}
