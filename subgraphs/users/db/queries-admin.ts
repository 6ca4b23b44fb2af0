/** The users subgraph's SQL for platform administration: suspensions and the audit log. */
import { and, desc, eq, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../../../platform/db.ts';
import { auditLog, users, type AuditRow, type UserRow } from './schema.ts';

// ---- suspensions

/** Suspends an active, unsuspended account (one conditional UPDATE, which locks its row); undefined otherwise. */
export async function suspendUser(db: Executor, id: string, reason: string, now: Date): Promise<UserRow | undefined> {
  const [r] = await db
    .update(users)
    .set({ suspendedAt: now, suspensionReason: reason })
    .where(and(eq(users.id, id), isNull(users.deactivatedAt), isNull(users.suspendedAt)))
    .returning();
  return r;
}

/** Lifts a suspension; undefined when the account is not suspended. */
export async function reinstateUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [r] = await db
    .update(users)
    .set({ suspendedAt: null, suspensionReason: null })
    .where(and(eq(users.id, id), isNull(users.deactivatedAt), isNotNull(users.suspendedAt)))
    .returning();
  return r;
}

/**
 * The active account, its row locked FOR SHARE until commit: sign-ins of one account do not wait
 * for each other, but a suspension (an UPDATE of the row) waits for them, and they for it.
 */
export async function shareActiveUser(db: Executor, id: string): Promise<UserRow | undefined> {
  const [r] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deactivatedAt)))
    .for('share');
  return r;
}

// ---- the audit log (append-only: a trigger refuses UPDATE, DELETE and TRUNCATE)

export type NewAuditEntry = Omit<AuditRow, 'position' | 'recordedAt'>;

/** Records an entry once per id (a replayed event changes nothing). */
export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<void> {
  await db.insert(auditLog).values(entry).onConflictDoNothing({ target: auditLog.id });
}

/** A page of the audit log, newest first, after the entry at `beforePosition`. */
export async function auditPage(db: Executor, limit: number, beforePosition: number | null): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(beforePosition === null ? undefined : lt(auditLog.position, beforePosition))
    .orderBy(desc(auditLog.position))
    .limit(limit);
}

export async function emailOf(db: Executor, id: string): Promise<string | null> {
  const [r] = await db.select({ email: users.email }).from(users).where(eq(users.id, id));
  return r?.email ?? null;
}
