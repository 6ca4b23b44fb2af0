/** The profile: the viewer's own fields, and the public names other subgraphs ask for. */
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import type { UserRow } from '../db/schema.ts';
import { DELETED_USER_NAME, lockViewer, type Deps } from './common.ts';
import { securityLevelOf, type SecurityLevel } from './security.ts';
import { optional, required, validPhotoUrl } from './validation.ts';

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
  const set: Partial<UserRow> = {};
  const has = (k: keyof ProfileInput) => Object.prototype.hasOwnProperty.call(input, k);
  const f = (k: string) => ['input', k];
  if (has('fullName')) {
    if (input.fullName === null || input.fullName === undefined) fail('INVALID_INPUT', 'The full name cannot be removed.', f('fullName'));
    set.fullName = required(input.fullName, 100, f('fullName'), 'The full name');
  }
  if (has('gender')) set.gender = input.gender ?? null;
  if (has('photoUrl')) set.photoUrl = validPhotoUrl(input.photoUrl, f('photoUrl'));
  if (has('phone')) set.phone = optional(input.phone, 32, f('phone'), 'The phone number');
  if (has('fax')) set.fax = optional(input.fax, 32, f('fax'), 'The fax number');
  if (has('zip')) set.zip = optional(input.zip, 32, f('zip'), 'The zip code');
  if (has('contactAddress')) set.contactAddress = optional(input.contactAddress, 200, f('contactAddress'), 'The contact address');
  if (has('organization')) set.organization = optional(input.organization, 200, f('organization'), 'The organization');
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
