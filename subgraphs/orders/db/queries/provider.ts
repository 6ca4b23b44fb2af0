/** The built-in test payment provider's records. */
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { providerCustomers, providerIntents, testProviderCharges, testProviderRefunds } from '../schema.ts';

export interface TestChargeRow {
  idempotencyKey: string;
  status: 'SUCCEEDED' | 'DECLINED' | 'CANCELLED';
  reference: string | null;
  amount: number;
  message: string | null;
}

/** Records a charge under its idempotency key unless the key has one already; returns the key's record. */
export async function testProviderCharge(
  db: Executor,
  c: {
    idempotencyKey: string;
    status: TestChargeRow['status'];
    reference: string | null;
    amount: number;
    currency: string;
    method: string;
    message: string | null;
  },
): Promise<TestChargeRow> {
  await db.insert(testProviderCharges).values(c).onConflictDoNothing({ target: testProviderCharges.idempotencyKey });
  const [r] = await db
    .select({
      idempotencyKey: testProviderCharges.idempotencyKey,
      status: testProviderCharges.status,
      reference: testProviderCharges.reference,
      amount: testProviderCharges.amount,
      message: testProviderCharges.message,
    })
    .from(testProviderCharges)
    .where(eq(testProviderCharges.idempotencyKey, c.idempotencyKey));
  return { ...r, status: r.status as TestChargeRow['status'] };
}

export async function testProviderChargeByReference(db: Executor, reference: string): Promise<{ amount: number } | null> {
  const [r] = await db
    .select({ amount: testProviderCharges.amount })
    .from(testProviderCharges)
    .where(and(eq(testProviderCharges.reference, reference), eq(testProviderCharges.status, 'SUCCEEDED')));
  return r ?? null;
}

/** Records a refund under its idempotency key unless the key has one already; returns the key's refund reference. */
export async function testProviderRefund(
  db: Executor,
  r: { idempotencyKey: string; chargeReference: string; amount: number; reference: string },
): Promise<string> {
  await db.insert(testProviderRefunds).values(r).onConflictDoNothing({ target: testProviderRefunds.idempotencyKey });
  const [row] = await db
    .select({ reference: testProviderRefunds.reference })
    .from(testProviderRefunds)
    .where(eq(testProviderRefunds.idempotencyKey, r.idempotencyKey));
  return row.reference;
}

/** What other refund keys already gave back of a charge. */
export async function testProviderRefundedAmount(db: Executor, chargeReference: string, exceptKey: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`coalesce(sum(${testProviderRefunds.amount}), 0)::int` })
    .from(testProviderRefunds)
    .where(and(eq(testProviderRefunds.chargeReference, chargeReference), ne(testProviderRefunds.idempotencyKey, exceptKey)));
  return Number(r?.n ?? 0);
}

// ───────────────────────────── the Stripe adapter's records (payments/stripe.ts) ─────────────────────────────

export interface IntentRow {
  intentId: string | null;
  closed: boolean;
}

/** Records the intent made for a key, unless the key has a record already (an intent, or closed); returns the key's record. */
export async function recordIntent(db: Executor, key: string, intentId: string | null, closed: boolean): Promise<IntentRow> {
  await db.insert(providerIntents).values({ idempotencyKey: key, intentId, closed }).onConflictDoNothing({ target: providerIntents.idempotencyKey });
  const [r] = await db
    .select({ intentId: providerIntents.intentId, closed: providerIntents.closed })
    .from(providerIntents)
    .where(eq(providerIntents.idempotencyKey, key));
  return r;
}

export async function intentOf(db: Executor, key: string): Promise<IntentRow | null> {
  const [r] = await db
    .select({ intentId: providerIntents.intentId, closed: providerIntents.closed })
    .from(providerIntents)
    .where(eq(providerIntents.idempotencyKey, key));
  return r ?? null;
}

/** Marks a key closed: its intent is being cancelled, a late confirmation of it answers CANCELLED. */
export async function closeIntent(db: Executor, key: string): Promise<void> {
  await db.update(providerIntents).set({ closed: true }).where(eq(providerIntents.idempotencyKey, key));
}

/** The provider's customer of a buyer, recorded once (the first recorded wins). */
export async function recordCustomer(db: Executor, userId: string, customerRef: string): Promise<string> {
  await db.insert(providerCustomers).values({ userId, customerRef }).onConflictDoNothing({ target: providerCustomers.userId });
  return (await customerOf(db, userId))!;
}

export async function customerOf(db: Executor, userId: string): Promise<string | null> {
  const [r] = await db.select({ ref: providerCustomers.customerRef }).from(providerCustomers).where(eq(providerCustomers.userId, userId));
  return r?.ref ?? null;
}
