/** The users subgraph's SQL for email: one-time codes and the mail queue (the rest is in queries.ts). */
import { and, asc, count, eq, gt, inArray, isNotNull, isNull, lt, lte, min, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db.ts';
import { emailCodes, mailQueue, type MailRow, type NewMail } from './schema.ts';

// ---- emailed one-time codes

/** A new code for `purpose`; the person's earlier unused codes of that purpose stop working. */
export async function replaceEmailCode(
  db: Executor,
  values: { userId: string; purpose: string; email: string; codeHash: string; expiresAt: Date; createdAt: Date },
): Promise<void> {
  await db
    .update(emailCodes)
    .set({ usedAt: values.createdAt })
    .where(and(eq(emailCodes.userId, values.userId), eq(emailCodes.purpose, values.purpose), isNull(emailCodes.usedAt)));
  await db.insert(emailCodes).values(values);
}

/**
 * Uses a code, once: one conditional UPDATE (unused, unexpired, this person's,
 * this purpose, sent to `sentTo` when given), so of concurrent uses exactly
 * one gets the row. Undefined when no such code.
 */
export async function useEmailCode(db: Executor, userId: string, purpose: string, codeHash: string, now: Date, sentTo?: string) {
  const [r] = await db
    .update(emailCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(emailCodes.userId, userId),
        eq(emailCodes.purpose, purpose),
        eq(emailCodes.codeHash, codeHash),
        isNull(emailCodes.usedAt),
        gt(emailCodes.expiresAt, now),
        sentTo === undefined ? undefined : eq(emailCodes.email, sentTo),
      ),
    )
    .returning();
  return r;
}

// ---- mail queue

/** Queues an email unless one with its key exists; true when queued now. */
export async function enqueueMail(db: Executor, mail: NewMail, now: Date): Promise<boolean> {
  const rows = await db
    .insert(mailQueue)
    .values({ ...mail, nextAttemptAt: now, createdAt: now })
    .onConflictDoNothing({ target: mailQueue.key })
    .returning({ id: mailQueue.id });
  return rows.length > 0;
}

/**
 * Claims up to `limit` due emails for one try: each gets `attempts + 1` and is
 * held until `leaseUntil` (a sender that dies lets it fall due again). Rows
 * another sender is claiming are skipped (SKIP LOCKED), so two senders never
 * try one email at once.
 */
export async function claimDueMail(db: Executor, now: Date, leaseUntil: Date, limit: number): Promise<MailRow[]> {
  const due = db
    .select({ id: mailQueue.id })
    .from(mailQueue)
    .where(and(isNull(mailQueue.sentAt), lte(mailQueue.nextAttemptAt, now)))
    .orderBy(asc(mailQueue.nextAttemptAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(mailQueue)
    .set({ attempts: sql`${mailQueue.attempts} + 1`, nextAttemptAt: leaseUntil })
    .where(and(inArray(mailQueue.id, due), isNull(mailQueue.sentAt)))
    .returning();
}

export async function markMailSent(db: Executor, id: string, now: Date): Promise<void> {
  await db.update(mailQueue).set({ sentAt: now, lastError: null }).where(eq(mailQueue.id, id));
}

export async function markMailFailed(db: Executor, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await db
    .update(mailQueue)
    .set({ nextAttemptAt, lastError: error.slice(0, 1000) })
    .where(and(eq(mailQueue.id, id), isNull(mailQueue.sentAt)));
}

/** Emails not sent yet: how many, and when the oldest was queued. */
export async function pendingMail(db: Executor): Promise<{ pending: number; oldest: Date | null }> {
  const [r] = await db
    .select({ n: count(), oldest: min(mailQueue.createdAt) })
    .from(mailQueue)
    .where(isNull(mailQueue.sentAt));
  return { pending: Number(r?.n ?? 0), oldest: r?.oldest ? new Date(r.oldest) : null };
}

/** Housekeeping: codes expired before `codesBefore`, emails sent before `sentBefore`. */
export async function pruneMail(db: Executor, codesBefore: Date, sentBefore: Date): Promise<void> {
  await db.delete(emailCodes).where(lt(emailCodes.expiresAt, codesBefore));
  await db.delete(mailQueue).where(and(isNotNull(mailQueue.sentAt), lt(mailQueue.sentAt, sentBefore)));
}
