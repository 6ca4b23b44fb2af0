/**
 * Refunds as the buyer's Transactions show them: every refund read goes
 * through `buyerRefunds`, so a change to how refunds are stored is a change here.
 * Two sources: an order's refund (orders.refunds) and the part of a charge
 * given back because its orders were paid by another payment (payments.void_amount).
 */
import { sql, type SQL } from 'drizzle-orm';

/**
 * The buyer's refunds as transaction rows (kind, id, status, amount, method,
 * order_ids, created_at), for `transactionPage`'s union. Raw SQL: a union of
 * differently shaped tables with computed columns, which the builder cannot say.
 */
export function buyerRefunds(buyerId: string): SQL {
  return sql`
    select 'REFUND' as kind, 'refund:' || r.order_id::text as id,
           case when r.provider_ref is null and r.amount > 0 then 'PENDING' else 'SUCCEEDED' end as status,
           r.amount, p.method, array[r.order_id] as order_ids, r.created_at
      from orders.refunds r join orders.payments p on p.id = r.payment_id
     where p.buyer_id = ${buyerId}
    union all
    select 'REFUND', 'void:' || p.id::text, case when p.void_ref is null then 'PENDING' else 'SUCCEEDED' end,
           p.void_amount, p.method, p.order_ids, p.created_at
      from orders.payments p
     where p.buyer_id = ${buyerId} and p.void_amount > 0`;
}
