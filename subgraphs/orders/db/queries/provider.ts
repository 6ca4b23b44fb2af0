/** The built-in test payment provider's records. */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../../platform/db.ts';

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
  c: { idempotencyKey: string; status: TestChargeRow['status']; reference: string | null; amount: number; currency: string; method: string; message: string | null },
): Promise<TestChargeRow> {
  await db.execute(
    sql`insert into orders.test_provider_charges (idempotency_key, status, reference, amount, currency, method, message)
        values (${c.idempotencyKey}, ${c.status}, ${c.reference}, ${c.amount}, ${c.currency}, ${c.method}, ${c.message})
        on conflict (idempotency_key) do nothing`,
  );
  const [r] = await queryRows(db, sql`select * from orders.test_provider_charges where idempotency_key = ${c.idempotencyKey}`);
  return {
    idempotencyKey: String(r.idempotency_key),
    status: r.status as TestChargeRow['status'],
    reference: (r.reference ?? null) as string | null,
    amount: Number(r.amount),
    message: (r.message ?? null) as string | null,
  };
}

export async function testProviderChargeByReference(db: Executor, reference: string): Promise<{ amount: number } | null> {
  const [r] = await queryRows(db, sql`select amount from orders.test_provider_charges where reference = ${reference} and status = 'SUCCEEDED'`);
  return r ? { amount: Number(r.amount) } : null;
}

/** Records a refund under its idempotency key unless the key has one already; returns the key's refund reference. */
export async function testProviderRefund(
  db: Executor,
  r: { idempotencyKey: string; chargeReference: string; amount: number; reference: string },
): Promise<string> {
  await db.execute(
    sql`insert into orders.test_provider_refunds (idempotency_key, charge_reference, amount, reference)
        values (${r.idempotencyKey}, ${r.chargeReference}, ${r.amount}, ${r.reference})
        on conflict (idempotency_key) do nothing`,
  );
  const [row] = await queryRows(db, sql`select reference from orders.test_provider_refunds where idempotency_key = ${r.idempotencyKey}`);
  return String(row.reference);
}
