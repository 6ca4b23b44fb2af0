/** Saved payment methods: the provider's reference and display fields, never a card number. */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { savedPaymentMethods } from '../schema.ts';

export type SavedMethodRow = typeof savedPaymentMethods.$inferSelect;

/** A person may keep this many methods. */
export const MAX_SAVED_METHODS = 10;

/** The user's methods: the default first, then oldest first. */
export async function savedMethodsOf(db: Executor, userIds: readonly string[]): Promise<SavedMethodRow[]> {
  if (!userIds.length) return [];
  return db
    .select()
    .from(savedPaymentMethods)
    .where(inArray(savedPaymentMethods.userId, [...userIds]))
    .orderBy(desc(savedPaymentMethods.isDefault), asc(savedPaymentMethods.createdAt), asc(savedPaymentMethods.id));
}

export async function savedMethod(db: Executor, userId: string, id: string): Promise<SavedMethodRow | null> {
  const [r] = await db
    .select()
    .from(savedPaymentMethods)
    .where(and(eq(savedPaymentMethods.id, id), eq(savedPaymentMethods.userId, userId)));
  return r ?? null;
}

/**
 * Adds a method in a transaction that holds the user's lock (`lockUserMethods`):
 * the first method, or one saved with `makeDefault`, becomes the default.
 * Null when the user has MAX_SAVED_METHODS already.
 */
export async function insertSavedMethod(
  tx: Executor,
  m: Omit<typeof savedPaymentMethods.$inferInsert, 'id' | 'isDefault' | 'createdAt'>,
  makeDefault: boolean,
): Promise<SavedMethodRow | null> {
  const [{ n }] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(savedPaymentMethods)
    .where(eq(savedPaymentMethods.userId, m.userId));
  if (Number(n) >= MAX_SAVED_METHODS) return null;
  const isDefault = makeDefault || Number(n) === 0;
  if (isDefault) await tx.update(savedPaymentMethods).set({ isDefault: false }).where(eq(savedPaymentMethods.userId, m.userId));
  const [r] = await tx
    .insert(savedPaymentMethods)
    .values({ ...m, isDefault })
    .returning();
  return r;
}

/** Removes a method; when it was the default, the oldest remaining one becomes the default. */
export async function deleteSavedMethod(tx: Executor, userId: string, id: string): Promise<SavedMethodRow | null> {
  const [gone] = await tx
    .delete(savedPaymentMethods)
    .where(and(eq(savedPaymentMethods.id, id), eq(savedPaymentMethods.userId, userId)))
    .returning();
  if (gone?.isDefault) {
    const [next] = await tx
      .select({ id: savedPaymentMethods.id })
      .from(savedPaymentMethods)
      .where(eq(savedPaymentMethods.userId, userId))
      .orderBy(asc(savedPaymentMethods.createdAt), asc(savedPaymentMethods.id))
      .limit(1);
    if (next) await tx.update(savedPaymentMethods).set({ isDefault: true }).where(eq(savedPaymentMethods.id, next.id));
  }
  return gone ?? null;
}

/**
 * Serializes changes to one user's methods (count, default) across instances:
 * a transaction-scoped advisory lock on the user id. Raw SQL: the builder has
 * no advisory locks.
 */
export async function lockUserMethods(tx: Executor, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`orders.saved-methods:${userId}`}))`);
}
