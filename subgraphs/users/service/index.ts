/**
 * The users subgraph's rules, authorization and transactions, composed from
 * service/*.ts. Methods that act for a person take a present `Viewer` (their
 * resolvers are `authed`); the internal operations are in internal.ts, the
 * housekeeping job in subgraph.ts.
 */
import type { Viewer } from '../../../platform/auth.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import type { AdminActionPayload } from '../../../platform/admin.ts';
import { auditLog, recordAdminAction, reinstateUser, suspend, suspendUser } from './admin.ts';
import { deactivateAccount, ensureAdmin, register, seedDemo } from './accounts.ts';
import { addShippingAddress, removeShippingAddress, shippingAddressFor, updateShippingAddress } from './addresses.ts';
import { profiles, securityLevelFor, updateProfile, type ProfileInput } from './profile.ts';
import type { Tx } from '../../../platform/db.ts';
import type { BusEvent } from '../../../platform/events/bus.ts';
import { Mailer } from './mail.ts';
import { notifyMessage, notifyOrderStatus, notifyPriceDrop, unsubscribe, updateNotificationSettings, type NotificationSettingsInput } from './notifications.ts';
import { requestPasswordReset, resetPassword, resetPasswordWithSecurityAnswer, securityQuestion } from './recovery.ts';
import { changeEmail, changePassword, setSecurityQuestion } from './security.ts';
import { requestEmailVerification, verifyEmail } from './verification.ts';
import { login, logout, refreshSession } from './sessions.ts';
import { prune } from './throttle.ts';
import type { AddressInput } from './addresses.ts';

export type { AuthResult } from './common.ts';
export type { ProfileInput } from './profile.ts';
export type { AddressInput } from './addresses.ts';
export type { NotificationSettingsInput } from './notifications.ts';

export class UsersService {
  /** The mail queue's sender (its job and metrics are declared in subgraph.ts). */
  readonly mailer: Mailer;
  constructor(readonly deps: SubgraphDeps) {
    this.mailer = new Mailer(deps);
  }

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

  // ---- recovery, email verification, notifications
  requestPasswordReset(email: string, clientIp?: string) {
    return requestPasswordReset(this.deps, this.mailer, email, clientIp);
  }
  resetPassword(email: string, code: string, newPassword: string, clientIp?: string) {
    return resetPassword(this.deps, email, code, newPassword, clientIp);
  }
  securityQuestion(email: string) {
    return securityQuestion(this.deps, email);
  }
  resetPasswordWithSecurityAnswer(email: string, answer: string, newPassword: string, clientIp?: string) {
    return resetPasswordWithSecurityAnswer(this.deps, email, answer, newPassword, clientIp);
  }
  requestEmailVerification(viewer: Viewer, clientIp?: string) {
    return requestEmailVerification(this.deps, this.mailer, viewer, clientIp);
  }
  verifyEmail(viewer: Viewer, code: string, clientIp?: string) {
    return verifyEmail(this.deps, viewer, code, clientIp);
  }
  updateNotificationSettings(viewer: Viewer, input: NotificationSettingsInput) {
    return updateNotificationSettings(this.deps, viewer, input);
  }
  unsubscribe(token: string) {
    return unsubscribe(this.deps, token);
  }

  // ---- notification emails from events (events.ts), in the consumer's transaction
  notifyOrderStatus(tx: Tx, event: BusEvent) {
    return notifyOrderStatus(this.deps, this.mailer, tx, event);
  }
  notifyPriceDrop(tx: Tx, event: BusEvent) {
    return notifyPriceDrop(this.deps, this.mailer, tx, event);
  }
  notifyMessage(tx: Tx, event: BusEvent) {
    return notifyMessage(this.deps, this.mailer, tx, event);
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
  securityLevel(userId: unknown) {
    return securityLevelFor(this.deps, userId);
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
