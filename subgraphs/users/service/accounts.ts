/** Accounts: registering, deactivating, and the accounts made at start-up (the admin, the demo people). */
import type { Viewer } from '../../../platform/auth.ts';
import { DEMO } from '../../../platform/demo.ts';
import { fail } from '../../../platform/errors.ts';
import { publish, type NewEvent } from '../../../platform/events/bus.ts';
import * as q from '../db/queries.ts';
import { sessionsRevoked, userDeactivated } from '../events.ts';
import { activeUser, DELETED_USER_NAME, issue, lockViewer, newSession, settle, type AuthResult, type Deps } from './common.ts';
import { hashSecret, passwordStrength } from './secrets.ts';
import { checkPassword } from './throttle.ts';
import { validInput } from '../../../platform/validate.ts';
import { DeactivationReason, RegisterInput } from './inputs.ts';

export async function register(deps: Deps, input: { email: string; password: string; fullName: string }): Promise<AuthResult> {
  const { email, password, fullName } = validInput(RegisterInput, input, { field: ['input'] });
  const passwordHash = await hashSecret(password);
  const { user, session } = await deps.db.drizzle.transaction(async (tx) => {
    const user = await q.insertUserIfEmailFree(tx, {
      email,
      fullName,
      passwordHash,
      passwordStrength: passwordStrength(password),
      createdAt: deps.clock.now(),
    });
    if (!user) fail('EMAIL_TAKEN', 'An account with this email already exists.', ['input', 'email']);
    return { user, session: await newSession(deps, tx, user.id) };
  });
  return issue(deps, user, session.sessionId, session.refreshToken);
}

/**
 * Deactivates the viewer's account for good: the password and the email typed
 * again, no order in progress (asked of the orders subgraph); the profile is
 * wiped, addresses removed, every session ended (refused everywhere when this answers).
 */
export async function deactivateAccount(
  deps: Deps,
  viewer: Viewer,
  password: string,
  confirmEmail: string,
  reason?: string | null,
  clientIp?: string,
): Promise<boolean> {
  const user = await activeUser(deps, viewer);
  await checkPassword(deps, user, password, ['password'], clientIp);
  if (confirmEmail.trim().toLowerCase() !== user.email.toLowerCase()) {
    fail('INVALID_INPUT', "The email typed does not match the account's email.", ['confirmEmail']);
  }
  const why = validInput(DeactivationReason, reason, { field: ['reason'] });
  // Outside any transaction (the orders subgraph may share this database connection).
  let pending: number;
  try {
    const r = await deps.internal.call<{ count?: unknown }>('orders', 'pendingOrders', { userId: viewer.id });
    if (typeof r?.count !== 'number') throw new Error('no count');
    pending = r.count;
  } catch (err) {
    deps.log.warn('pendingOrders check failed; refusing to deactivate', { err });
    fail('SERVICE_UNAVAILABLE', 'We could not check your orders right now, so the account was not deactivated. Try again later.');
  }
  if (pending > 0) {
    fail('PENDING_ORDERS', `You have ${pending} order(s) still in progress. Finish or cancel them before deactivating the account.`);
  }
  const seqs = await deps.db.drizzle.transaction(async (tx) => {
    await lockViewer(tx, viewer);
    const now = deps.clock.now();
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
    const events: NewEvent[] = [userDeactivated(viewer.id)];
    if (sessionIds.length) events.push(sessionsRevoked(viewer.id, sessionIds));
    return publish(tx, events);
  });
  await settle(deps, seqs);
  return true;
}

/** Demo buyer and seller, when there are no users yet. */
export async function seedDemo(deps: Deps): Promise<void> {
  const db = deps.db.drizzle;
  if ((await q.countUsers(db)) > 0) return;
  const passwordHash = await hashSecret(DEMO.password);
  const strength = passwordStrength(DEMO.password);
  const now = deps.clock.now();
  await db.transaction(async (tx) => {
    await q.insertUser(tx, { id: DEMO.buyerId, email: DEMO.buyerEmail, fullName: 'Demo Buyer', passwordHash, passwordStrength: strength, createdAt: now });
    await q.insertUser(tx, { id: DEMO.sellerId, email: DEMO.sellerEmail, fullName: 'Demo Seller', passwordHash, passwordStrength: strength, createdAt: now });
    await q.insertAddress(
      tx,
      DEMO.buyerId,
      {
        recipientName: 'Demo Buyer',
        phone: '+1 555 0100',
        country: 'US',
        province: 'CA',
        city: 'San Francisco',
        street: '1 Market Street',
        postalCode: '94105',
      },
      true,
      now,
    );
  });
}

/** ADMIN_EMAIL/ADMIN_PASSWORD: make sure that admin account exists (create it, or promote the existing account). */
export async function ensureAdmin(deps: Deps): Promise<void> {
  const { adminEmail, adminPassword } = deps.config;
  if (!adminEmail || !adminPassword) return;
  const db = deps.db.drizzle;
  const email = adminEmail.trim().toLowerCase();
  const existing = await q.activeUserByEmail(db, email);
  if (!existing) {
    const created = await q.insertUserIfEmailFree(db, {
      email,
      fullName: 'Administrator',
      passwordHash: await hashSecret(adminPassword),
      passwordStrength: passwordStrength(adminPassword),
      createdAt: deps.clock.now(),
    });
    if (created) {
      await q.addRole(db, created.id, 'admin');
      deps.log.info('admin account created', { email });
      return;
    }
  }
  const user = existing ?? (await q.activeUserByEmail(db, email));
  if (user) await q.addRole(db, user.id, 'admin');
}
