/** The buyer's Transactions: payments and refunds, newest first. */
import { sql } from 'drizzle-orm';
import { rowsOf, type Executor } from '../../../../platform/db.ts';
import { buyerRefunds } from './refunds.ts';

export interface TransactionRow {
  kind: 'PAYMENT' | 'REFUND';
  id: string;
  status: 'PENDING' | 'REQUIRES_ACTION' | 'SUCCEEDED' | 'DECLINED';
  amount: number;
  method: string;
  orderIds: string[];
  createdAt: Date;
}

/**
 * One page, newest first, before the keyset `before` (created_at, id). Raw SQL:
 * the union of payments and refunds (refunds.ts) ordered and cut as one list.
 * A voided payment shows as SUCCEEDED (it was charged); its refund is a row of its own.
 */
export async function transactionPage(
  db: Executor,
  buyerId: string,
  page: { before: { createdAt: string; id: string } | null; limit: number },
): Promise<TransactionRow[]> {
  const before = page.before ? sql`where (t.created_at, t.id) < (${page.before.createdAt}::timestamptz, ${page.before.id})` : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select * from (
        select 'PAYMENT' as kind, p.id::text as id, case when p.state = 'VOIDED' then 'SUCCEEDED' else p.state end as status,
               p.amount, p.method, p.order_ids, p.created_at
          from orders.payments p
         where p.buyer_id = ${buyerId}
        union all
        ${buyerRefunds(buyerId)}
      ) t ${before}
      order by t.created_at desc, t.id desc
      limit ${page.limit}`),
  );
  return rows.map((r) => ({
    kind: r.kind as TransactionRow['kind'],
    id: String(r.id),
    status: r.status as TransactionRow['status'],
    amount: Number(r.amount),
    method: String(r.method),
    orderIds: parsePgArray(r.order_ids),
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(String(r.created_at)),
  }));
}

/** A uuid[] as the driver gives it: an array (postgres.js, PGlite) or its text form. */
function parsePgArray(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  const s = String(v ?? '');
  return s.length > 2 ? s.slice(1, -1).split(',') : [];
}
