/**
 * The users subgraph's rules, authorization and transactions, composed from
 * service/*.ts. Methods that act for a person take a present `Viewer` (their
 * resolvers are `authed`); the internal operations are in internal.ts, the
 * housekeeping job in subgraph.ts.
 */
import type { Viewer } from '../../../platform/auth.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import type { AdminActionPayload } from '../../../platform/admin.ts';
import type { Tx } from '../../../platform/db.ts';
import { auditLog, recordAdminAction, reinstateUser, suspend, suspendUser } from './admin.ts';
import { deactivateAccount, ensureAdmin, register, seedDemo } from './accounts.ts';
import { addShippingAddress, removeShippingAddress, shippingAddressFor, updateShippingAddress } from './addresses.ts';
import { profiles, updateProfile, type ProfileInput } from './profile.ts';
import { changeEmail, changePassword, setSecurityQuestion } from './security.ts';
import { login, logout, refreshSession } from './sessions.ts';
import { prune } from './throttle.ts';
import type { AddressInput } from './validation.ts';

export type { AuthResult } from './common.ts';
export type { ProfileInput } from './profile.ts';
export type { AddressInput } from './validation.ts';

export class UsersService {
  constructor(readonly deps: SubgraphDeps) {}

  // ---- accounts and sessions
  register(input: { email: string; password: string; fullName: string }) {
    return register(this.deps, input);
  }
  login(email: string, password: string, clientIp?: string) {
    return login(this.deps, email, password, clientIp);
  }
  refreshSession(refreshToken: string) {
    return refreshSession(this.deps, refreshToken);
  }
  logout(viewer: Viewer) {
    return logout(this.deps, viewer);
  }
  deactivateAccount(viewer: Viewer, password: string, confirmEmail: string, reason?: string | null, clientIp?: string) {
    return deactivateAccount(this.deps, viewer, password, confirmEmail, reason, clientIp);
  }

  // ---- profile and security
  updateProfile(viewer: Viewer, input: ProfileInput) {
    return updateProfile(this.deps, viewer, input);
  }
  changePassword(viewer: Viewer, currentPassword: string, newPassword: string, clientIp?: string) {
    return changePassword(this.deps, viewer, currentPassword, newPassword, clientIp);
  }
  changeEmail(viewer: Viewer, password: string, newEmail: string, securityAnswer?: string | null, clientIp?: string) {
    return changeEmail(this.deps, viewer, password, newEmail, securityAnswer, clientIp);
  }
  setSecurityQuestion(viewer: Viewer, password: string, question: string, answer: string, clientIp?: string) {
    return setSecurityQuestion(this.deps, viewer, password, question, answer, clientIp);
  }

  // ---- shipping addresses
  addShippingAddress(viewer: Viewer, input: AddressInput) {
    return addShippingAddress(this.deps, viewer, input);
  }
  updateShippingAddress(viewer: Viewer, id: string, input: AddressInput) {
    return updateShippingAddress(this.deps, viewer, id, input);
  }
  removeShippingAddress(viewer: Viewer, id: string) {
    return removeShippingAddress(this.deps, viewer, id);
  }

  // ---- platform administration (admins only; admin.ts)
  suspendUser(viewer: Viewer, userId: string, reason: string) {
    return suspendUser(this.deps, viewer, userId, reason);
  }
  reinstateUser(viewer: Viewer, userId: string, reason: string) {
    return reinstateUser(this.deps, viewer, userId, reason);
  }
  auditLog(viewer: Viewer, first?: number | null, after?: string | null) {
    return auditLog(this.deps, viewer, first, after);
  }
  /** A suspension asked by another subgraph (a report's resolution); the caller checked the admin. */
  suspendFor(actorId: string, userId: string, reason: string) {
    return suspend(this.deps, actorId, userId, reason);
  }
  /** The audit-log consumer (events.ts). */
  recordAdminAction(tx: Tx, action: AdminActionPayload) {
    return recordAdminAction(tx, action);
  }

  // ---- internal operations (internal.ts)
  shippingAddressFor(userId: unknown, addressId: unknown) {
    return shippingAddressFor(this.deps, userId, addressId);
  }
  profiles(ids: unknown) {
    return profiles(this.deps, ids);
  }

  // ---- start-up and housekeeping (subgraph.ts)
  seedDemo() {
    return seedDemo(this.deps);
  }
  ensureAdmin() {
    return ensureAdmin(this.deps);
  }
  prune() {
    return prune(this.deps);
  }
}
