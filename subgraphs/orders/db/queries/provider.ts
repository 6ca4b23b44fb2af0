/** The built-in test payment provider's records. */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { testProviderCharges, testProviderRefunds } from '../schema.ts';

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
