/** Thin resolvers of the users subgraph: arguments in, service or loader call, result out. */
import { tokenRefused } from '../../platform/auth.ts';
import { authed, type SignedIn } from '../../platform/context.ts';
import { payload as shape } from '../../platform/errors.ts';
import { DateTime, isId } from '../../platform/scalars.ts';
import type { UsersContext } from './context.ts';
import type { AddressRow, AuditRow, UserRow } from './db/schema.ts';
import type { AddressInput, NotificationSettingsInput, ProfileInput } from './service/index.ts';
import { settingsOf } from './service/notifications.ts';
import { securityLevelOf } from './service/security.ts';

type Ctx = UsersContext;
type Me = SignedIn<UsersContext>;
type Nullable<T> = { [K in keyof T]: T[K] | null };
const payload = <T extends object>(empty: Nullable<T>, work: () => Promise<T>) => shape<Nullable<T>>(empty, work);
const noAuth = { accessToken: null, refreshToken: null, viewer: null };

export const resolvers = {
  DateTime,
  Query: {
    viewer: async (_: unknown, __: unknown, ctx: Ctx) => {
      // a guest is null; a refused token is told (its error carries the reason, platform/auth.ts)
      if (!ctx.viewer) {
        if (ctx.tokenReason)
          throw tokenRefused(ctx.tokenReason, ctx.tokenReason === 'TOKEN_EXPIRED' ? 'The access token has expired.' : 'The access token is invalid.');
        return null;
      }
      const u = await ctx.loaders.userById.load(ctx.viewer.id);
      return u && !u.deactivatedAt ? u : null;
    },
    auditLog: authed((_: unknown, a: { first?: number | null; after?: string | null }, ctx: Me) => ctx.service.auditLog(ctx.viewer, a.first, a.after)),
    securityQuestion: (_: unknown, a: { email: string }, ctx: Ctx) => ctx.service.securityQuestion(a.email),
  },
  Mutation: {
    register: (_: unknown, a: { input: { email: string; password: string; fullName: string } }, ctx: Ctx) =>
      payload(noAuth, () => ctx.service.register(a.input)),
    login: (_: unknown, a: { email: string; password: string }, ctx: Ctx) => payload(noAuth, () => ctx.service.login(a.email, a.password, ctx.clientIp)),
    refreshSession: (_: unknown, a: { refreshToken: string }, ctx: Ctx) => payload(noAuth, () => ctx.service.refreshSession(a.refreshToken)),
    logout: authed((_: unknown, __: unknown, ctx: Me) => ctx.service.logout(ctx.viewer)),
    updateProfile: authed((_: unknown, a: { input: ProfileInput }, ctx: Me) =>
      payload({ user: null }, async () => ({ user: await ctx.service.updateProfile(ctx.viewer, a.input) })),
    ),
    addShippingAddress: authed((_: unknown, a: { input: AddressInput }, ctx: Me) =>
      payload({ address: null, user: null }, () => ctx.service.addShippingAddress(ctx.viewer, a.input)),
    ),
    updateShippingAddress: authed((_: unknown, a: { id: string; input: AddressInput }, ctx: Me) =>
      payload({ address: null, user: null }, () => ctx.service.updateShippingAddress(ctx.viewer, a.id, a.input)),
    ),
    removeShippingAddress: authed((_: unknown, a: { id: string }, ctx: Me) =>
      payload({ user: null }, async () => ({ user: await ctx.service.removeShippingAddress(ctx.viewer, a.id) })),
    ),
    changePassword: authed((_: unknown, a: { currentPassword: string; newPassword: string }, ctx: Me) =>
      payload(noAuth, () => ctx.service.changePassword(ctx.viewer, a.currentPassword, a.newPassword, ctx.clientIp)),
    ),
    changeEmail: authed((_: unknown, a: { password: string; newEmail: string; securityAnswer?: string | null }, ctx: Me) =>
      payload({ user: null }, async () => ({
        user: await ctx.service.changeEmail(ctx.viewer, a.password, a.newEmail, a.securityAnswer, ctx.clientIp),
      })),
    ),
    setSecurityQuestion: authed((_: unknown, a: { password: string; question: string; answer: string }, ctx: Me) =>
      payload({ user: null }, async () => ({
        user: await ctx.service.setSecurityQuestion(ctx.viewer, a.password, a.question, a.answer, ctx.clientIp),
      })),
    ),
    requestPasswordReset: (_: unknown, a: { email: string }, ctx: Ctx) => ctx.service.requestPasswordReset(a.email, ctx.clientIp),
    resetPassword: (_: unknown, a: { email: string; code: string; newPassword: string }, ctx: Ctx) =>
      payload(noAuth, () => ctx.service.resetPassword(a.email, a.code, a.newPassword, ctx.clientIp)),
    resetPasswordWithSecurityAnswer: (_: unknown, a: { email: string; answer: string; newPassword: string }, ctx: Ctx) =>
      payload(noAuth, () => ctx.service.resetPasswordWithSecurityAnswer(a.email, a.answer, a.newPassword, ctx.clientIp)),
    requestEmailVerification: authed((_: unknown, __: unknown, ctx: Me) => ctx.service.requestEmailVerification(ctx.viewer, ctx.clientIp)),
    verifyEmail: authed((_: unknown, a: { code: string }, ctx: Me) =>
      payload({ user: null }, async () => ({ user: await ctx.service.verifyEmail(ctx.viewer, a.code, ctx.clientIp) })),
    ),
    updateNotificationSettings: authed((_: unknown, a: { input: NotificationSettingsInput }, ctx: Me) =>
      payload({ user: null }, async () => ({ user: await ctx.service.updateNotificationSettings(ctx.viewer, a.input) })),
    ),
    unsubscribe: (_: unknown, a: { token: string }, ctx: Ctx) => payload({ setting: null }, () => ctx.service.unsubscribe(a.token)),
    deactivateAccount: authed((_: unknown, a: { password: string; confirmEmail: string; reason?: string | null }, ctx: Me) =>
      payload({ deactivated: false }, async () => ({
        deactivated: await ctx.service.deactivateAccount(ctx.viewer, a.password, a.confirmEmail, a.reason, ctx.clientIp),
      })),
    ),
    suspendUser: authed((_: unknown, a: { userId: string; reason: string }, ctx: Me) =>
      payload({ userId: null, suspended: false }, () => ctx.service.suspendUser(ctx.viewer, a.userId, a.reason)),
    ),
    reinstateUser: authed((_: unknown, a: { userId: string; reason: string }, ctx: Me) =>
      payload({ userId: null, suspended: false }, () => ctx.service.reinstateUser(ctx.viewer, a.userId, a.reason)),
    ),
  },
  AuditEntry: {
    id: (e: AuditRow) => e.id,
  },
  User: {
    /** Only ever the viewer: anyone else's reference resolves to null. */
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => {
      if (!ctx.viewer || ref.id !== ctx.viewer.id || !isId(ref.id)) return null;
      const u = await ctx.loaders.userById.load(ref.id);
      return u && !u.deactivatedAt ? u : null;
    },
    securityLevel: (u: UserRow) => securityLevelOf(u),
    notificationSettings: (u: UserRow) => settingsOf(u),
    hasSecurityQuestion: (u: UserRow) => Boolean(u.securityAnswerHash),
    shippingAddresses: (u: UserRow, _: unknown, ctx: Ctx) => ctx.loaders.addressesByUser.load(u.id),
  },
  ShippingAddress: {
    isDefault: (a: AddressRow) => a.isDefault,
  },
} satisfies Record<string, unknown>;
