/** The users subgraph's rules, authorization and transactions. */
import type { Viewer } from '../../platform/auth.ts';
import { DEMO } from '../../platform/demo.ts';
import type { Tx } from '../../platform/db.ts';
import { fail, unauthenticated } from '../../platform/errors.ts';
import { publish, type NewEvent } from '../../platform/events/bus.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import { isId } from '../../platform/scalars.ts';
import * as q from './db/queries.ts';
import type { AddressRow, UserRow } from './db/schema.ts';
import {
  dummyHash,
  hashSecret,
  newRefreshToken,
  normalizeAnswer,
  passwordStrength,
  sha256,
  verifySecret,
} from './secrets.ts';
import {
  optional,
  required,
  validAddress,
  validEmail,
  validPassword,
  validPhotoUrl,
  type AddressInput,
} from './validation.ts';

export const MAX_ADDRESSES = 5;
/**
 * Sign-in throttling: password checks that may fail per window, per account and
 * per client address. Every password check (login, and changePassword,
 * changeEmail, setSecurityQuestion, deactivateAccount after sign-in) is counted
 * before it runs, on the same two counters.
 */
export const LOGIN_WINDOW_S = 15 * 60;
export const LOGIN_MAX_FAILURES_PER_ACCOUNT = 5;
export const LOGIN_MAX_FAILURES_PER_ADDRESS = 20;
/** Longer than any password can be (validPassword): refused without being compared. */
const MAX_PASSWORD_LENGTH = 200;
const TOO_MANY_ATTEMPTS = 'Too many failed password attempts. Wait a few minutes and try again.';
/**
 * How long a check waits when only checks in flight (not failures) fill its
 * counter, for them to settle (e.g. one person signing in on several devices
 * at once); then TOO_MANY_ATTEMPTS. Well under the gateway's subgraph timeout.
 */
const RESERVE_WAIT_MS = 3000;

/** The throttle counters one password check was counted on. */
interface Attempt {
  account: string;
  address?: string;
}
export const DELETED_USER_NAME = 'Deleted user';

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  viewer: UserRow;
}

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

function viewerOrFail(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export class UsersService {
  constructor(readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  private refreshExpiry(): Date {
    return new Date(this.now().getTime() + this.deps.config.refreshTokenTtlS * 1000);
  }

  /**
   * Publish as the transaction's last statement; after commit, `settle` waits until this process applied them
   * (through the relay when USERS_DATABASE_URL gives this subgraph a database of its own).
   */
  private async settle(seqs: number[]): Promise<void> {
    await this.deps.bus.settled(this.deps.db, this.deps.name, seqs);
  }

  private async issue(user: UserRow, sessionId: string, refreshToken: string): Promise<AuthResult> {
    const { token } = await this.deps.signer.sign({ userId: user.id, sessionId, roles: user.roles });
    return { accessToken: token, refreshToken, viewer: user };
  }

  private async newSession(tx: Tx, userId: string): Promise<{ sessionId: string; refreshToken: string }> {
    const refreshToken = newRefreshToken();
    const s = await q.insertSession(tx, {
      userId,
      refreshTokenHash: sha256(refreshToken),
      expiresAt: this.refreshExpiry(),
      createdAt: this.now(),
    });
    return { sessionId: s.id, refreshToken };
  }

  /** The viewer's active account (null when it is gone). */
  private async activeUser(viewer: Viewer): Promise<UserRow> {
    const [u] = await q.usersByIds(this.db, [viewer.id]);
    if (!u || u.deactivatedAt) throw unauthenticated('This account no longer exists.');
    return u;
  }

  /**
   * Reserves a password check before it runs, on the account's counter and then
   * the client address's, in one transaction (each an atomic conditional upsert,
   * so concurrent checks queue on the row and failures plus checks in flight
   * never exceed the limit; at the address's limit the account's reservation is
   * rolled back). At the limit of failures: TOO_MANY_ATTEMPTS, and no hash is
   * computed. When checks in flight fill the rest, it waits for them to settle
   * (at most RESERVE_WAIT_MS) and tries again.
   */
  private async reserveAttempt(email: string, clientIp?: string): Promise<Attempt> {
    const attempt: Attempt = { account: `account:${email.toLowerCase()}`, ...(clientIp ? { address: `ip:${clientIp}` } : {}) };
    const giveUpAt = Date.now() + RESERVE_WAIT_MS;
    for (;;) {
      const now = this.now();
      const outcome = await this.db
        .transaction(async (tx) => {
          const account = await q.reserveAttempt(tx, attempt.account, LOGIN_MAX_FAILURES_PER_ACCOUNT, now, LOGIN_WINDOW_S);
          if (account !== 'reserved' || !attempt.address) return account;
          const address = await q.reserveAttempt(tx, attempt.address, LOGIN_MAX_FAILURES_PER_ADDRESS, now, LOGIN_WINDOW_S);
          if (address !== 'reserved') throw new NotReserved(address);
          return address;
        })
        .catch((err: unknown) => {
          if (err instanceof NotReserved) return err.outcome;
          throw err;
        });
      if (outcome === 'reserved') return attempt;
      if (outcome === 'at-limit' || Date.now() >= giveUpAt) fail('TOO_MANY_ATTEMPTS', TOO_MANY_ATTEMPTS);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }

  /**
   * Settles a reserved check: a failure stays counted; a success clears the
   * account's failures (a person who mistypes now and then is never locked out)
   * and takes nothing from the address's.
   */
  private async settleAttempt(attempt: Attempt, succeeded: boolean): Promise<void> {
    const outcome = succeeded ? 'succeeded' : 'failed';
    await this.db.transaction(async (tx) => {
      await q.settleAttempt(tx, attempt.account, outcome, true);
      if (attempt.address) await q.settleAttempt(tx, attempt.address, outcome);
    });
  }

  /**
   * The password check of an operation after sign-in, throttled as login is and
   * on the same counters (a stolen access token must not become a way to guess
   * the password). `alsoCheck` runs further secret checks (the security answer)
   * as part of the same attempt.
   */
  private async checkPassword(user: UserRow, password: string, field: string[], clientIp: string | undefined, alsoCheck?: () => Promise<void>): Promise<void> {
    const attempt = await this.reserveAttempt(user.email, clientIp);
    let succeeded = false;
    try {
      if (!(await verifySecret(candidate(password), user.passwordHash))) fail('INVALID_CREDENTIALS', 'The password is not correct.', field);
      await alsoCheck?.();
      succeeded = true;
    } finally {
      await this.settleAttempt(attempt, succeeded);
    }
  }

  // ---- accounts and sessions

  async register(input: { email: string; password: string; fullName: string }): Promise<AuthResult> {
    const email = validEmail(input.email, ['input', 'email']);
    const password = validPassword(input.password, ['input', 'password']);
    const fullName = required(input.fullName, 100, ['input', 'fullName'], 'The full name');
    const passwordHash = await hashSecret(password);
    const { user, session } = await this.db.transaction(async (tx) => {
      const user = await q.insertUserIfEmailFree(tx, {
        email,
        fullName,
        passwordHash,
        passwordStrength: passwordStrength(password),
        createdAt: this.now(),
      });
      if (!user) fail('EMAIL_TAKEN', 'An account with this email already exists.', ['input', 'email']);
      return { user, session: await this.newSession(tx, user.id) };
    });
    return this.issue(user, session.sessionId, session.refreshToken);
  }

  async login(emailRaw: string, password: string, clientIp?: string): Promise<AuthResult> {
    const email = emailRaw.trim().toLowerCase().slice(0, 254);
    // reserved before the check: concurrent guesses cannot all get through
    const attempt = await this.reserveAttempt(email, clientIp);
    let user: UserRow | undefined;
    let ok = false;
    try {
      user = await q.activeUserByEmail(this.db, email);
      // Always run one scrypt verification, so an unknown email takes as long as a wrong password.
      ok = (await verifySecret(candidate(password), user?.passwordHash ?? (await dummyHash()))) && Boolean(user);
    } finally {
      await this.settleAttempt(attempt, ok);
    }
    if (!user || !ok) fail('INVALID_CREDENTIALS', 'The email or password is not correct.');
    const signedIn = user;
    const session = await this.db.transaction((tx) => this.newSession(tx, signedIn.id));
    return this.issue(user, session.sessionId, session.refreshToken);
  }

  async refreshSession(refreshToken: string): Promise<AuthResult> {
    const oldHash = sha256(refreshToken);
    const newToken = newRefreshToken();
    const now = this.now();
    const outcome = await this.db.transaction(async (tx) => {
      const session = await q.rotateRefreshToken(tx, oldHash, sha256(newToken), now, this.refreshExpiry());
      if (session) {
        await q.rememberUsedRefreshToken(tx, oldHash, session.id, now);
        const [user] = await q.usersByIds(tx, [session.userId]);
        if (!user || user.deactivatedAt) fail('INVALID_CREDENTIALS', 'This session has ended. Sign in again.');
        return { kind: 'ok' as const, user, sessionId: session.id };
      }
      const used = await q.usedRefreshToken(tx, oldHash);
      if (!used) return { kind: 'unknown' as const };
      // A rotated-away token came back: someone holds a copy. End that whole session.
      const revoked = await q.revokeSessions(tx, [used.sessionId], now);
      if (!revoked.length) return { kind: 'unknown' as const };
      const s = await q.sessionById(tx, used.sessionId);
      const seqs = await publish(tx, [revokedEvent(s!.userId, revoked)]);
      return { kind: 'reused' as const, seqs };
    });
    if (outcome.kind === 'ok') return this.issue(outcome.user, outcome.sessionId, newToken);
    if (outcome.kind === 'reused') {
      await this.settle(outcome.seqs);
      fail('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended for safety. Sign in again.', ['refreshToken']);
    }
    return fail('INVALID_CREDENTIALS', 'The refresh token is not valid. Sign in again.', ['refreshToken']);
  }

  async logout(viewerIn: Viewer | null): Promise<boolean> {
    const viewer = viewerOrFail(viewerIn);
    const seqs = await this.db.transaction(async (tx) => {
      await q.revokeSessions(tx, [viewer.sessionId], this.now());
      return publish(tx, [revokedEvent(viewer.id, [viewer.sessionId])]);
    });
    await this.settle(seqs);
    return true;
  }

  // ---- profile and security

  async updateProfile(viewerIn: Viewer | null, input: ProfileInput): Promise<UserRow> {
    const viewer = viewerOrFail(viewerIn);
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
    return this.db.transaction(async (tx) => {
      const user = await q.lockActiveUser(tx, viewer.id);
      if (!user) throw unauthenticated('This account no longer exists.');
      return Object.keys(set).length ? q.updateUser(tx, viewer.id, set) : user;
    });
  }

  async changePassword(viewerIn: Viewer | null, currentPassword: string, newPassword: string, clientIp?: string): Promise<AuthResult> {
    const viewer = viewerOrFail(viewerIn);
    validPassword(newPassword, ['newPassword']);
    const user = await this.activeUser(viewer);
    await this.checkPassword(user, currentPassword, ['currentPassword'], clientIp);
    const passwordHash = await hashSecret(newPassword);
    const refreshToken = newRefreshToken();
    const { updated, seqs } = await this.db.transaction(async (tx) => {
      if (!(await q.lockActiveUser(tx, viewer.id))) throw unauthenticated('This account no longer exists.');
      const updated = await q.updateUser(tx, viewer.id, { passwordHash, passwordStrength: passwordStrength(newPassword) });
      const now = this.now();
      const others = await q.revokeUserSessions(tx, viewer.id, now, viewer.sessionId);
      // The current session stays, with a fresh refresh token.
      const current = await q.setSessionRefreshHash(tx, viewer.sessionId, sha256(refreshToken), this.refreshExpiry());
      if (!current) throw unauthenticated('This session has ended. Sign in again.');
      const seqs = others.length ? await publish(tx, [revokedEvent(viewer.id, others)]) : [];
      return { updated, seqs };
    });
    await this.settle(seqs);
    return this.issue(updated, viewer.sessionId, refreshToken);
  }

  async changeEmail(viewerIn: Viewer | null, password: string, newEmailRaw: string, securityAnswer?: string | null, clientIp?: string): Promise<UserRow> {
    const viewer = viewerOrFail(viewerIn);
    const email = validEmail(newEmailRaw, ['newEmail']);
    const user = await this.activeUser(viewer);
    // a wrong security answer is a failed attempt too
    await this.checkPassword(user, password, ['password'], clientIp, async () => {
      if (!user.securityAnswerHash) return;
      const answer = normalizeAnswer(securityAnswer ?? '');
      if (!answer || answer.length > MAX_PASSWORD_LENGTH || !(await verifySecret(answer, user.securityAnswerHash))) {
        fail('INVALID_CREDENTIALS', 'The security answer is not correct.', ['securityAnswer']);
      }
    });
    try {
      return await this.db.transaction(async (tx) => {
        if (!(await q.lockActiveUser(tx, viewer.id))) throw unauthenticated('This account no longer exists.');
        const other = await q.activeUserByEmail(tx, email);
        if (other && other.id !== viewer.id) fail('EMAIL_TAKEN', 'An account with this email already exists.', ['newEmail']);
        return q.updateUser(tx, viewer.id, { email });
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail('EMAIL_TAKEN', 'An account with this email already exists.', ['newEmail']);
      throw err;
    }
  }

  async setSecurityQuestion(viewerIn: Viewer | null, password: string, questionRaw: string, answerRaw: string, clientIp?: string): Promise<UserRow> {
    const viewer = viewerOrFail(viewerIn);
    const question = required(questionRaw, 200, ['question'], 'The security question');
    const answer = normalizeAnswer(answerRaw);
    if (!answer || answerRaw.length > 200) fail('INVALID_INPUT', 'The answer must be 1 to 200 characters.', ['answer']);
    const user = await this.activeUser(viewer);
    await this.checkPassword(user, password, ['password'], clientIp);
    const securityAnswerHash = await hashSecret(answer);
    return this.db.transaction(async (tx) => {
      if (!(await q.lockActiveUser(tx, viewer.id))) throw unauthenticated('This account no longer exists.');
      return q.updateUser(tx, viewer.id, { securityQuestion: question, securityAnswerHash });
    });
  }

  // ---- shipping addresses

  async addShippingAddress(viewerIn: Viewer | null, input: AddressInput): Promise<{ address: AddressRow; user: UserRow }> {
    const viewer = viewerOrFail(viewerIn);
    const fields = validAddress(input);
    return this.db.transaction(async (tx) => {
      // The user row lock serialises address changes of one person (limit, single default).
      const user = await q.lockActiveUser(tx, viewer.id);
      if (!user) throw unauthenticated('This account no longer exists.');
      const existing = await q.addressesByUserIds(tx, [viewer.id]);
      if (existing.length >= MAX_ADDRESSES) {
        fail('ADDRESS_LIMIT_REACHED', `You can keep at most ${MAX_ADDRESSES} shipping addresses.`);
      }
      let address = await q.insertAddress(tx, viewer.id, fields, existing.length === 0, this.now());
      if (existing.length > 0 && input.isDefault === true) {
        await q.makeDefaultAddress(tx, viewer.id, address.id);
        address = { ...address, isDefault: true };
      }
      return { address, user };
    });
  }

  async updateShippingAddress(viewerIn: Viewer | null, id: string, input: AddressInput): Promise<{ address: AddressRow; user: UserRow }> {
    const viewer = viewerOrFail(viewerIn);
    if (!isId(id)) fail('NOT_FOUND', 'No such shipping address.', ['id']);
    const fields = validAddress(input);
    return this.db.transaction(async (tx) => {
      const user = await q.lockActiveUser(tx, viewer.id);
      if (!user) throw unauthenticated('This account no longer exists.');
      if (!(await q.addressOf(tx, viewer.id, id))) fail('NOT_FOUND', 'No such shipping address.', ['id']);
      let address = await q.updateAddress(tx, id, fields);
      if (input.isDefault === true && !address.isDefault) {
        await q.makeDefaultAddress(tx, viewer.id, id);
        address = { ...address, isDefault: true };
      }
      return { address, user };
    });
  }

  async removeShippingAddress(viewerIn: Viewer | null, id: string): Promise<UserRow> {
    const viewer = viewerOrFail(viewerIn);
    if (!isId(id)) fail('NOT_FOUND', 'No such shipping address.', ['id']);
    return this.db.transaction(async (tx) => {
      const user = await q.lockActiveUser(tx, viewer.id);
      if (!user) throw unauthenticated('This account no longer exists.');
      const address = await q.addressOf(tx, viewer.id, id);
      if (!address) fail('NOT_FOUND', 'No such shipping address.', ['id']);
      await q.deleteAddress(tx, id);
      if (address.isDefault) {
        const [oldest] = await q.addressesByUserIds(tx, [viewer.id]);
        if (oldest) await q.makeDefaultAddress(tx, viewer.id, oldest.id);
      }
      return user;
    });
  }

  // ---- deactivation

  async deactivateAccount(viewerIn: Viewer | null, password: string, confirmEmail: string, reason?: string | null, clientIp?: string): Promise<boolean> {
    const viewer = viewerOrFail(viewerIn);
    const user = await this.activeUser(viewer);
    await this.checkPassword(user, password, ['password'], clientIp);
    if (confirmEmail.trim().toLowerCase() !== user.email.toLowerCase()) {
      fail('INVALID_INPUT', "The email typed does not match the account's email.", ['confirmEmail']);
    }
    const why = optional(reason, 1000, ['reason'], 'The reason');
    // Outside any transaction (the orders subgraph may share this database connection).
    let pending: number;
    try {
      const r = await this.deps.internal.call<{ count?: unknown }>('orders', 'pendingOrders', { userId: viewer.id });
      if (typeof r?.count !== 'number') throw new Error('no count');
      pending = r.count;
    } catch (err) {
      this.deps.log.warn('pendingOrders check failed; refusing to deactivate', { err: String(err) });
      fail('SERVICE_UNAVAILABLE', 'We could not check your orders right now, so the account was not deactivated. Try again later.');
    }
    if (pending > 0) {
      fail('PENDING_ORDERS', `You have ${pending} order(s) still in progress. Finish or cancel them before deactivating the account.`);
    }
    const seqs = await this.db.transaction(async (tx) => {
      if (!(await q.lockActiveUser(tx, viewer.id))) throw unauthenticated('This account no longer exists.');
      const now = this.now();
      await q.updateUser(tx, viewer.id, {
        deactivatedAt: now,
        deactivationReason: why,
        fullName: DELETED_USER_NAME,
        gender: null,
        photoUrl: null,
        phone: null,
        fax: null,
        zip: null,
        contactAddress: null,
        organization: null,
        securityQuestion: null,
        securityAnswerHash: null,
      });
      await q.deleteAddressesOf(tx, viewer.id);
      const sessionIds = await q.revokeUserSessions(tx, viewer.id, now);
      const events: NewEvent[] = [{ topic: 'user.deactivated', payload: { userId: viewer.id }, audience: [viewer.id] }];
      if (sessionIds.length) events.push(revokedEvent(viewer.id, sessionIds));
      return publish(tx, events);
    });
    await this.settle(seqs);
    return true;
  }

  // ---- internal operations

  async shippingAddressFor(userId: unknown, addressId: unknown) {
    if (!isId(userId) || !isId(addressId)) return { address: null };
    const a = await q.addressOf(this.db, userId, addressId);
    if (!a) return { address: null };
    const { recipientName, phone, country, province, city, street, postalCode } = a;
    return { address: { recipientName, phone, country, province, city, street, postalCode } };
  }

  async profiles(ids: unknown) {
    const wanted = Array.isArray(ids) ? [...new Set(ids.filter(isId))].slice(0, 1000) : [];
    const rows = await q.usersByIds(this.db, wanted);
    return { users: rows.map((u) => ({ id: u.id, fullName: u.deactivatedAt ? DELETED_USER_NAME : u.fullName })) };
  }

  // ---- start-up

  /** Demo buyer and seller, when there are no users yet. */
  async seedDemo(): Promise<void> {
    if ((await q.countUsers(this.db)) > 0) return;
    const passwordHash = await hashSecret(DEMO.password);
    const strength = passwordStrength(DEMO.password);
    const now = this.now();
    await this.db.transaction(async (tx) => {
      await q.insertUser(tx, { id: DEMO.buyerId, email: DEMO.buyerEmail, fullName: 'Demo Buyer', passwordHash, passwordStrength: strength, createdAt: now });
      await q.insertUser(tx, { id: DEMO.sellerId, email: DEMO.sellerEmail, fullName: 'Demo Seller', passwordHash, passwordStrength: strength, createdAt: now });
      await q.insertAddress(
        tx,
        DEMO.buyerId,
        { recipientName: 'Demo Buyer', phone: '+1 555 0100', country: 'US', province: 'CA', city: 'San Francisco', street: '1 Market Street', postalCode: '94105' },
        true,
        now,
      );
    });
  }

  /** Forget throttling counters and old rotated refresh tokens. */
  async prune(): Promise<void> {
    const now = this.now().getTime();
    await q.pruneStale(this.db, new Date(now - LOGIN_WINDOW_S * 1000), new Date(now - this.deps.config.refreshTokenTtlS * 1000));
  }

  /** ADMIN_EMAIL/ADMIN_PASSWORD: make sure that admin account exists (create it, or promote the existing account). */
  async ensureAdmin(): Promise<void> {
    const { adminEmail, adminPassword } = this.deps.config;
    if (!adminEmail || !adminPassword) return;
    const email = adminEmail.trim().toLowerCase();
    const existing = await q.activeUserByEmail(this.db, email);
    if (!existing) {
      const created = await q.insertUserIfEmailFree(this.db, {
        email,
        fullName: 'Administrator',
        passwordHash: await hashSecret(adminPassword),
        passwordStrength: passwordStrength(adminPassword),
        createdAt: this.now(),
      });
      if (created) {
        await q.addRole(this.db, created.id, 'admin');
        this.deps.log.info('admin account created', { email });
        return;
      }
    }
    const user = existing ?? (await q.activeUserByEmail(this.db, email));
    if (user) await q.addRole(this.db, user.id, 'admin');
  }
}

/** What a typed password is compared as: one longer than any password can be compares as '' (never right, same work). */
function candidate(password: string): string {
  return password.length > MAX_PASSWORD_LENGTH ? '' : password;
}

/** A reservation refused inside its transaction (rolls back what it already reserved). */
class NotReserved extends Error {
  constructor(readonly outcome: Exclude<q.Reservation, 'reserved'>) {
    super(outcome);
  }
}

function revokedEvent(userId: string, sessionIds: string[]): NewEvent {
  return { topic: 'session.revoked', payload: { userId, sessionIds }, audience: [userId] };
}

function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return true;
  }
  return false;
}
