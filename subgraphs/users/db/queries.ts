/** Every SQL statement of the users subgraph. */
import { and, asc, count, eq, gt, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db.ts';
import { anyOf, arrayParam, prepared } from '../../../platform/prepared.ts';
import { loginFailures, sessions, shippingAddresses, usedRefreshTokens, users, type AddressRow, type UserRow } from './schema.ts';
import type { AddressFields } from '../service/inputs.ts';
import { pruneMail } from './queries-mail.ts';

// ---- users

export async function countUsers(db: Executor): Promise<number> {
  const [r] = await db.select({ n: count() }).from(users);
  return Number(r?.n ?? 0);
}

export async function activeUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [r] = await db
    .select()
    .from(users)
    // raw: lower() (the builder has no function call), matching the unique index on lower(email)
    .where(and(sql`lower(${users.email}) = ${email.toLowerCase()}`, isNull(users.deactivatedAt)));
  return r;
}

// prepared (platform/prepared.ts): every signed-in page reads the viewer
const usersByIdsQuery = prepared('users_by_ids', (db) => db.select().from(users).where(anyOf(users.id, 'ids')));

export async function usersByIds(db: Executor, ids: readonly string[]): Promise<UserRow[]> {
  if (!ids.length) return [];
  return usersByIdsQuery(db, { ids: arrayParam(ids) });
}

/** The active user row, locked for the rest of the transaction. */
export async function lockActiveUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [r] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deactivatedAt)))
    .for('update');
  return r;
}

/** The active account with that email, locked for the rest of the transaction. */
export async function lockActiveUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [r] = await db
    .select()
    .from(users)
    // raw: lower(), as activeUserByEmail
    .where(and(sql`lower(${users.email}) = ${email.toLowerCase()}`, isNull(users.deactivatedAt)))
    .for('update');
  return r;
}

export async function insertUser(
  db: Executor,
  values: { id?: string; email: string; fullName: string; passwordHash: string; passwordStrength: number; roles?: string[]; createdAt: Date },
): Promise<UserRow> {
  const [r] = await db.insert(users).values(values).returning();
  return r;
}

/** Insert unless an active account has that email; undefined when taken. */
export async function insertUserIfEmailFree(
  db: Executor,
  values: { email: string; fullName: string; passwordHash: string; passwordStrength: number; createdAt: Date },
): Promise<UserRow | undefined> {
  const [r] = await db.insert(users).values(values).onConflictDoNothing().returning();
  return r;
}

export async function updateUser(db: Executor, id: string, set: Partial<typeof users.$inferInsert>): Promise<UserRow> {
  const [r] = await db.update(users).set(set).where(eq(users.id, id)).returning();
  return r;
}

export async function addRole(db: Executor, id: string, role: string): Promise<void> {
  await db
    .update(users)
    // raw: array_append and = any (array operators the builder has no words for)
    .set({ roles: sql`array_append(${users.roles}, ${role})` })
    .where(and(eq(users.id, id), sql`not (${role} = any(${users.roles}))`));
}

// ---- sessions

export async function insertSession(db: Executor, values: { userId: string; refreshTokenHash: string; expiresAt: Date; createdAt: Date }) {
  const [r] = await db.insert(sessions).values(values).returning();
  return r;
}

/**
 * Single-use rotation: swaps the refresh token of a live session atomically;
 * undefined when the token is not a live session's current one.
 */
export async function rotateRefreshToken(db: Executor, oldHash: string, newHash: string, now: Date, expiresAt: Date) {
  const [r] = await db
    .update(sessions)
    .set({ refreshTokenHash: newHash, expiresAt })
    .where(and(eq(sessions.refreshTokenHash, oldHash), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .returning();
  return r;
}

export async function rememberUsedRefreshToken(db: Executor, tokenHash: string, sessionId: string, now: Date): Promise<void> {
  await db.insert(usedRefreshTokens).values({ tokenHash, sessionId, usedAt: now }).onConflictDoNothing();
}

export async function usedRefreshToken(db: Executor, tokenHash: string) {
  const [r] = await db.select().from(usedRefreshTokens).where(eq(usedRefreshTokens.tokenHash, tokenHash));
  return r;
}

export async function sessionById(db: Executor, id: string) {
  const [r] = await db.select().from(sessions).where(eq(sessions.id, id));
  return r;
}

/** Revokes the given sessions (those still live); returns the ids revoked now. */
export async function revokeSessions(db: Executor, ids: string[], now: Date): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(inArray(sessions.id, ids), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

/** Revokes every live session of a user except `keep`; returns the ids revoked. */
export async function revokeUserSessions(db: Executor, userId: string, now: Date, keep?: string): Promise<string[]> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
    .returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

export async function setSessionRefreshHash(db: Executor, id: string, refreshTokenHash: string, expiresAt: Date) {
  const [r] = await db
    .update(sessions)
    .set({ refreshTokenHash, expiresAt })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
    .returning();
  return r;
}

// ---- shipping addresses

export async function addressesByUserIds(db: Executor, userIds: readonly string[]): Promise<AddressRow[]> {
  if (!userIds.length) return [];
  return db
    .select()
    .from(shippingAddresses)
    .where(inArray(shippingAddresses.userId, [...userIds]))
    .orderBy(asc(shippingAddresses.createdAt), asc(shippingAddresses.id));
}

export async function addressOf(db: Executor, userId: string, id: string): Promise<AddressRow | undefined> {
  const [r] = await db
    .select()
    .from(shippingAddresses)
    .where(and(eq(shippingAddresses.id, id), eq(shippingAddresses.userId, userId)));
  return r;
}

export async function insertAddress(db: Executor, userId: string, fields: AddressFields, isDefault: boolean, createdAt: Date) {
  const [r] = await db
    .insert(shippingAddresses)
    .values({ ...fields, userId, isDefault, createdAt })
    .returning();
  return r;
}

export async function updateAddress(db: Executor, id: string, fields: AddressFields) {
  const [r] = await db.update(shippingAddresses).set(fields).where(eq(shippingAddresses.id, id)).returning();
  return r;
}

export async function deleteAddress(db: Executor, id: string): Promise<void> {
  await db.delete(shippingAddresses).where(eq(shippingAddresses.id, id));
}

export async function deleteAddressesOf(db: Executor, userId: string): Promise<void> {
  await db.delete(shippingAddresses).where(eq(shippingAddresses.userId, userId));
}

/** Makes `id` the user's only default (clears the old one first: one default per user is a unique index). */
export async function makeDefaultAddress(db: Executor, userId: string, id: string): Promise<void> {
  await db
    .update(shippingAddresses)
    .set({ isDefault: false })
    .where(and(eq(shippingAddresses.userId, userId), eq(shippingAddresses.isDefault, true), ne(shippingAddresses.id, id)));
  await db.update(shippingAddresses).set({ isDefault: true }).where(eq(shippingAddresses.id, id));
}

// ---- sign-in throttling

export type Reservation = 'reserved' | 'in-flight' | 'at-limit';

/**
 * Reserves one password check for `key`, before it runs: in the key's fixed
 * window of `windowS` seconds (which starts at its first reservation), only
 * while failures plus checks in flight stay under `max`. One statement
 * (a conditional upsert), so concurrent callers queue on the row and never
 * together exceed `max`. Answers 'reserved' (counted in flight), 'at-limit'
 * (`max` failures: refuse) or 'in-flight' (room only once checks in flight
 * settle: try again shortly).
 */
export async function reserveAttempt(db: Executor, key: string, max: number, now: Date, windowS: number): Promise<Reservation> {
  const windowStart = new Date(now.getTime() - windowS * 1000).toISOString();
  // raw: CASE expressions in the upsert's SET and a sum in its WHERE (the builder has no words for either)
  const expired = sql`${loginFailures.windowStartedAt} <= ${windowStart}`;
  const rows = await db
    .insert(loginFailures)
    .values({ key, failures: 0, inFlight: 1, windowStartedAt: now })
    .onConflictDoUpdate({
      target: loginFailures.key,
      set: {
        failures: sql`case when ${expired} then 0 else ${loginFailures.failures} end`,
        inFlight: sql`case when ${expired} then 1 else ${loginFailures.inFlight} + 1 end`,
        windowStartedAt: sql`case when ${expired} then ${now.toISOString()}::timestamptz else ${loginFailures.windowStartedAt} end`,
      },
      setWhere: sql`${expired} or ${loginFailures.failures} + ${loginFailures.inFlight} < ${max}`,
    })
    .returning({ failures: loginFailures.failures });
  if (rows.length) return 'reserved';
  const [row] = await db.select({ failures: loginFailures.failures }).from(loginFailures).where(eq(loginFailures.key, key));
  return row && row.failures >= max ? 'at-limit' : 'in-flight';
}

/**
 * Settles a reserved check of `key`: no longer in flight; a failure is counted
 * as one; a success with `clear` forgets the key's failures (the account's
 * own counter after a right password).
 */
export async function settleAttempt(db: Executor, key: string, outcome: 'failed' | 'succeeded', clear = false): Promise<void> {
  await db
    .update(loginFailures)
    // raw: greatest() and column arithmetic
    .set({
      inFlight: sql`greatest(${loginFailures.inFlight} - 1, 0)`,
      ...(outcome === 'failed' ? { failures: sql`${loginFailures.failures} + 1` } : clear ? { failures: 0 } : {}),
    })
    .where(eq(loginFailures.key, key));
}

/**
 * Takes one of `max` allowances of `key` in its fixed window of `windowS`
 * seconds (emails sent on request: reset and verification codes), on the
 * throttle counters' table (`failures` counts what was taken). One
 * conditional upsert: concurrent callers never take more than `max`.
 * False when none is left.
 */
export async function takeAllowance(db: Executor, key: string, max: number, now: Date, windowS: number): Promise<boolean> {
  const windowStart = new Date(now.getTime() - windowS * 1000).toISOString();
  // raw: CASE expressions in the upsert's SET (as reserveAttempt)
  const expired = sql`${loginFailures.windowStartedAt} <= ${windowStart}`;
  const rows = await db
    .insert(loginFailures)
    .values({ key, failures: 1, inFlight: 0, windowStartedAt: now })
    .onConflictDoUpdate({
      target: loginFailures.key,
      set: {
        failures: sql`case when ${expired} then 1 else ${loginFailures.failures} + 1 end`,
        windowStartedAt: sql`case when ${expired} then ${now.toISOString()}::timestamptz else ${loginFailures.windowStartedAt} end`,
      },
      setWhere: sql`${expired} or ${loginFailures.failures} < ${max}`,
    })
    .returning({ key: loginFailures.key });
  return rows.length > 0;
}

// ---- housekeeping

/** Drops throttling counters whose window ended, rotated-away refresh tokens older than `usedBefore`, expired codes and emails sent long ago. */
export async function pruneStale(db: Executor, failuresBefore: Date, usedBefore: Date, codesBefore: Date, sentBefore: Date): Promise<void> {
  await db.delete(loginFailures).where(lt(loginFailures.windowStartedAt, failuresBefore));
  await db.delete(usedRefreshTokens).where(lt(usedRefreshTokens.usedAt, usedBefore));
  await pruneMail(db, codesBefore, sentBefore);
}
