/** Provider webhook events, by the provider's event id: each is processed once. */
import { eq } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { providerEvents } from '../schema.ts';

export async function providerEventSeen(db: Executor, eventId: string): Promise<boolean> {
  const [r] = await db.select({ id: providerEvents.eventId }).from(providerEvents).where(eq(providerEvents.eventId, eventId));
  return Boolean(r);
}

/** Records an event as processed; false when it was recorded already (a duplicate delivery). */
export async function recordProviderEvent(db: Executor, e: { eventId: string; type: string; paymentId: string | null; outcome: string }): Promise<boolean> {
  const rows = await db.insert(providerEvents).values(e).onConflictDoNothing({ target: providerEvents.eventId }).returning({ id: providerEvents.eventId });
  return rows.length === 1;
}
