/** The profile: the viewer's own fields, and the public names other subgraphs ask for. */
import type { Viewer } from '../../../platform/auth.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import type { UserRow } from '../db/schema.ts';
import { DELETED_USER_NAME, lockViewer, type Deps } from './common.ts';
import { securityLevelOf, type SecurityLevel } from './security.ts';
import { validInput } from '../../../platform/validate.ts';
import { ProfileInput as Profile } from './inputs.ts';

export interface ProfileInput {
  fullName?: string | null;
  gender?: string | null;
  photoUrl?: string | null;
  phone?: string | null;
  fax?: string | null;
  zip?: string | null;
  contactAddress?: string | null;
  organization?: string | null;
}

/** Sets the fields given (null removes one; the full name cannot be removed). */
export async function updateProfile(deps: Deps, viewer: Viewer, input: ProfileInput): Promise<UserRow> {
  const given = validInput(Profile, input, { field: ['input'] });
  const set: Partial<UserRow> = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return deps.db.drizzle.transaction(async (tx) => {
    const user = await lockViewer(tx, viewer);
    return Object.keys(set).length ? q.updateUser(tx, viewer.id, set) : user;
  });
}

/** Public names for other subgraphs (internal `profiles`): a deactivated account shows as DELETED_USER_NAME. */
export async function profiles(deps: Deps, ids: unknown) {
  const wanted = Array.isArray(ids) ? [...new Set(ids.filter(isId))].slice(0, 1000) : [];
  const rows = await q.usersByIds(deps.db.drizzle, wanted);
  return { users: rows.map((u) => ({ id: u.id, fullName: u.deactivatedAt ? DELETED_USER_NAME : u.fullName })) };
}

/**
 * Internal (orders, before saving a payment method): a person's security
 * level, by the one rule `User.securityLevel` shows (security.ts `securityLevelOf`);
 * null for an unknown or deactivated person.
 */
export async function securityLevelFor(deps: Deps, userId: unknown): Promise<{ level: SecurityLevel | null }> {
  if (!isId(userId)) return { level: null };
  const [u] = await q.usersByIds(deps.db.drizzle, [userId]);
  if (!u || u.deactivatedAt) return { level: null };
  return { level: securityLevelOf(u) };
}
