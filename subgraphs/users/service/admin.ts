/**
 * Platform administration in the users subgraph: suspending and reinstating
 * accounts, and the audit log of every admin action (docs/admin.md).
 *
 * - A suspension is one transaction: the account is marked (one conditional
 *   UPDATE, which also serialises it with a sign-in creating a session), every
 *   live session is revoked, and `session.revoked` plus `admin.action` are
 *   published; the mutation answers once this process applied the revocation,
 *   so the person's tokens are refused and their sockets closed at once.
 *   Sign-in is refused with ACCOUNT_SUSPENDED until reinstated.
 * - The audit log is a projection of the `admin.action` events every subgraph
 *   publishes in its action's transaction (consumer `users.audit-log`, once per
 *   actionId); its table refuses UPDATE/DELETE/TRUNCATE (migration 0003).
 */
import { adminAction, AdminReason, requireAdmin, type AdminActionPayload } from '../../../platform/admin.ts';
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import { badInput, fail } from '../../../platform/errors.ts';
import { publish, type NewEvent } from '../../../platform/events/bus.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { decodeCursor, encodeCursor, isId, pageSize } from '../../../platform/scalars.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries.ts';
import * as qa from '../db/queries-admin.ts';
import type { AuditRow, UserRow } from '../db/schema.ts';
import { sessionsRevoked } from '../events.ts';
import { settle, type Deps } from './common.ts';

export interface UserModeration {
  userId: string;
  suspended: boolean;
}

/** The account acted on (NOT_FOUND unless an id) and why (INVALID_INPUT on `reason`). */
function target(userId: string, reason: string): { userId: string; reason: string } {
  if (!isId(userId)) fail('NOT_FOUND', 'No such account.', ['userId']);
  return { userId: userId.toLowerCase(), reason: validInput(AdminReason, reason, { field: ['reason'] }) };
}

/** Refuses a suspended account's sign-in (inside the transaction that holds its row). */
export function refuseSuspended(user: Pick<UserRow, 'suspendedAt'>): void {
  if (user.suspendedAt) fail('ACCOUNT_SUSPENDED', 'This account is suspended by the marketplace. Contact support to find out more.');
}

/** suspendUser: an admin suspends someone else's account. */
export async function suspendUser(deps: Deps, viewer: Viewer, userId: string, reason: string): Promise<UserModeration> {
  requireAdmin(viewer);
  const input = target(userId, reason);
  if (input.userId === viewer.id) fail('INVALID_INPUT', 'You cannot suspend your own account.', ['userId']);
  const outcome = await suspend(deps, viewer.id, input.userId, input.reason);
  if (outcome === 'already') fail('INVALID_STATE', 'This account is already suspended.', ['userId']);
  return { userId: input.userId, suspended: true };
}

/**
 * The suspension itself, for the mutation and for the internal call of a
 * report's resolution: 'already' when the account was suspended before
 * (nothing changes, nothing is recorded); NOT_FOUND for no active account.
 */
export async function suspend(deps: Deps, actorId: string, userId: string, reason: string): Promise<'suspended' | 'already'> {
  const now = deps.clock.now();
  const seqs = await deps.db.drizzle.transaction(async (tx) => {
    const user = await qa.suspendUser(tx, userId, reason, now);
    if (!user) return (await isSuspended(tx, userId)) ? null : fail('NOT_FOUND', 'No such account.', ['userId']);
    const sessionIds = await q.revokeUserSessions(tx, userId, now);
    const events: NewEvent[] = [];
    if (sessionIds.length) events.push(sessionsRevoked(userId, sessionIds));
    events.push(adminAction({ actorId, action: 'SUSPEND_USER', targetType: 'USER', targetId: userId, reason, at: now }));
    return publish(tx, events);
  });
  if (!seqs) return 'already';
  await settle(deps, seqs);
  return 'suspended';
}

async function isSuspended(tx: Tx, userId: string): Promise<boolean> {
  const [u] = await q.usersByIds(tx, [userId]);
  return Boolean(u && !u.deactivatedAt && u.suspendedAt);
}

/** reinstateUser: the account may sign in again (its old sessions stay ended). */
export async function reinstateUser(deps: Deps, viewer: Viewer, userId: string, reason: string): Promise<UserModeration> {
  requireAdmin(viewer);
  const input = target(userId, reason);
  const now = deps.clock.now();
  await deps.db.drizzle.transaction(async (tx) => {
    const user = await qa.reinstateUser(tx, input.userId);
    if (!user) {
      const [u] = await q.usersByIds(tx, [input.userId]);
      if (!u || u.deactivatedAt) fail('NOT_FOUND', 'No such account.', ['userId']);
      fail('INVALID_STATE', 'This account is not suspended.', ['userId']);
    }
    await publish(tx, [
      adminAction({ actorId: viewer.id, action: 'REINSTATE_USER', targetType: 'USER', targetId: input.userId, reason: input.reason, at: now }),
    ]);
  });
  return { userId: input.userId, suspended: false };
}

// ───────────── the audit log ─────────────

/** auditLog: every admin action, newest first (admins only). */
export async function auditLog(deps: Deps, viewer: Viewer, first?: number | null, after?: string | null): Promise<Connection<AuditRow>> {
  requireAdmin(viewer);
  const n = pageSize(first);
  const cursor = decodeCursor<{ p?: unknown }>(after);
  if (cursor && (typeof cursor.p !== 'number' || !Number.isSafeInteger(cursor.p))) throw badInput('The cursor is not valid.');
  const rows = await qa.auditPage(deps.db.drizzle, n + 1, cursor ? (cursor.p as number) : null);
  return connection(rows, n, (r) => encodeCursor({ p: r.position }));
}

/** The consumer of `admin.action`: records the entry once (its actionId is the key). */
export async function recordAdminAction(tx: Tx, p: AdminActionPayload): Promise<void> {
  await qa.insertAuditEntry(tx, {
    id: p.actionId,
    actorId: p.actorId,
    actorEmail: await qa.emailOf(tx, p.actorId),
    action: p.action,
    targetType: p.targetType,
    targetId: p.targetId,
    reason: p.reason,
    at: new Date(p.at),
  });
}
