/**
 * The users subgraph's rules, authorization and transactions, composed from
 * service/*.ts. Methods that act for a person take a present `Viewer` (their
 * resolvers are `authed`); the internal operations are in internal.ts, the
 * housekeeping job in subgraph.ts.
 */
import type { Viewer } from '../../../platform/auth.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { deactivateAccount, ensureAdmin, register, seedDemo } from './accounts.ts';
import { addShippingAddress, removeShippingAddress, shippingAddressFor, updateShippingAddress } from './addresses.ts';
import { profiles, securityLevelOf, updateProfile, type ProfileInput } from './profile.ts';
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

  // ---- internal operations (internal.ts)
  shippingAddressFor(userId: unknown, addressId: unknown) {
    return shippingAddressFor(this.deps, userId, addressId);
  }
  profiles(ids: unknown) {
    return profiles(this.deps, ids);
  }
  securityLevel(userId: unknown) {
    return securityLevelOf(this.deps, userId);
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
