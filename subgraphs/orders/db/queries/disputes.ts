/**
 * Disputes: opening (an assignment of a transition), settling and escalating,
 * each one conditional UPDATE of the order row; the admin's list.
 */
import { and, asc, count, eq, inArray, isNotNull, lte, gt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { orders } from '../schema.ts';
import { toOrder, type OrderRow } from './rows.ts';
import type { OrderAssignments } from './transitions.ts';

export const DISPUTE_STATUSES = ['OPEN', 'REFUSED', 'ESCALATED', 'RESOLVED'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

/** A disputed line as stored in `orders.dispute_lines`. */
export interface DisputeLineRecord {
  orderLineId: string;
  quantity: number;
  /** unitPrice × quantity, minor units. */
  amount: number;
}

/** The assignments of openDispute's transition: a fresh dispute (a former one's settlement is forgotten). */
export function openDisputeAssignments(d: {
  reason: string;
  description: string;
  lines: DisputeLineRecord[];
  amount: number;
  at: Date;
  answerDue: Date;
}): OrderAssignments {
  return {
    statusBeforeDispute: sql`${orders.status}`,
    disputeReason: d.reason,
    disputeDescription: d.description,
    disputeOpenedAt: d.at,
    disputeResolvedAt: null,
    disputeRefunded: null,
    disputeStatus: 'OPEN',
    disputeLines: d.lines,
    disputeAmount: d.amount,
    disputeAnswerDue: d.answerDue,
    disputeEscalatedAt: null,
    disputeOverdueNoticed: false,
    disputeRefundAmount: null,
    disputeResolvedBy: null,
    disputeNote: null,
  };
}

export interface Settlement {
  /** Minor units refunded (0: none). */
  amount: number;
  /** The seller said no: REFUSED, and the buyer may escalate until `escalateUntil`. */
  refused: boolean;
  by: 'SELLER' | 'ADMIN';
  note: string | null;
  /** Which dispute states may be settled this way. */
  from: DisputeStatus[];
  /** Who may (the seller), or nothing more (an admin). */
  actor?: SQL;
  at: Date;
  escalateUntil?: Date;
}

/**
 * Settles the order's dispute in one statement: only while the order is DISPUTED with
 * its dispute in `from`, and only if `refunded_amount + amount` stays within the total
 * (so concurrent settlements can never refund more than was paid). The order becomes
 * REFUNDED when that makes it fully refunded, else it goes back to its status before
 * the dispute. Null when the order did not match.
 */
export async function settleDispute(tx: Executor, orderId: string, s: Settlement): Promise<OrderRow | null> {
  const full = sql`(${orders.refundedAmount} + ${s.amount} = ${orders.total})`;
  const status = s.refused
    ? sql`coalesce(${orders.statusBeforeDispute}, ${orders.status})`
    : sql`case when ${full} then 'REFUNDED' else coalesce(${orders.statusBeforeDispute}, ${orders.status}) end`;
  const [row] = await tx
    .update(orders)
    .set({
      previousStatus: sql`${orders.status}`,
      status,
      refundedAmount: sql`${orders.refundedAmount} + ${s.amount}`,
      disputeStatus: s.refused ? 'REFUSED' : 'RESOLVED',
      disputeResolvedAt: s.at,
      disputeRefunded: s.amount > 0 || (!s.refused && s.by === 'SELLER'),
      disputeRefundAmount: s.amount,
      disputeResolvedBy: s.by,
      disputeNote: s.note,
      ...(s.escalateUntil ? { disputeAnswerDue: s.escalateUntil } : {}),
      updatedAt: s.at,
    })
    .where(
      and(
        eq(orders.id, orderId),
        eq(orders.status, 'DISPUTED'),
        inArray(orders.disputeStatus, s.from),
        sql`${orders.refundedAmount} + ${s.amount} <= ${orders.total}`,
        s.actor,
      ),
    )
    .returning();
  return row ? toOrder(row) : null;
}

/** The statuses a refused dispute's order may be in when the buyer escalates it. */
export const AFTER_DISPUTE = ['UNCONFIRMED_DELIVERY', 'FEEDBACK_REQUIRED', 'COMPLETED'] as const;

/**
 * escalateDispute: the buyer hands the dispute to the platform, when the seller has not
 * answered by the deadline (the order stays DISPUTED), or refused and the deadline to
 * escalate has not passed (the order is DISPUTED again). One statement; null when neither.
 */
export async function escalateDispute(tx: Executor, orderId: string, buyerId: string, at: Date): Promise<OrderRow | null> {
  const unanswered = and(eq(orders.status, 'DISPUTED'), eq(orders.disputeStatus, 'OPEN'), lte(orders.disputeAnswerDue, at));
  const refused = and(inArray(orders.status, [...AFTER_DISPUTE]), eq(orders.disputeStatus, 'REFUSED'), gt(orders.disputeAnswerDue, at));
  const [row] = await tx
    .update(orders)
    .set({
      previousStatus: sql`${orders.status}`,
      status: 'DISPUTED',
      // the right-hand sides see the old row: a refused dispute's order returns to where it is now
      statusBeforeDispute: sql`case when ${orders.status} = 'DISPUTED' then ${orders.statusBeforeDispute} else ${orders.status} end`,
      disputeStatus: 'ESCALATED',
      disputeEscalatedAt: at,
      disputeResolvedAt: null,
      disputeRefunded: null,
      disputeRefundAmount: null,
      disputeResolvedBy: null,
      updatedAt: at,
    })
    .where(and(eq(orders.id, orderId), eq(orders.buyerId, buyerId), or(unanswered, refused)))
    .returning();
  return row ? toOrder(row) : null;
}

/** The admin's list: orders with a dispute (of `status`), oldest opened first, after the keyset. */
export async function disputePage(
  db: Executor,
  f: { status: DisputeStatus | null; after: { createdAt: string; id: string } | null; limit: number },
): Promise<OrderRow[]> {
  // a row-value comparison (the index's order), which the builder's operators do not express
  const after = f.after ? sql`(${orders.disputeOpenedAt}, ${orders.id}) > (${f.after.createdAt}::timestamptz, ${f.after.id}::uuid)` : undefined;
  const rows = await db
    .select()
    .from(orders)
    .where(and(f.status ? eq(orders.disputeStatus, f.status) : isNotNull(orders.disputeStatus), after))
    .orderBy(asc(orders.disputeOpenedAt), asc(orders.id))
    .limit(f.limit);
  return rows.map(toOrder);
}

export async function disputeCount(db: Executor, status: DisputeStatus | null): Promise<number> {
  const [r] = await db
    .select({ n: count() })
    .from(orders)
    .where(status ? eq(orders.disputeStatus, status) : isNotNull(orders.disputeStatus));
  return r?.n ?? 0;
}

const overdue = (now: Date) =>
  and(eq(orders.status, 'DISPUTED'), eq(orders.disputeStatus, 'OPEN'), eq(orders.disputeOverdueNoticed, false), lte(orders.disputeAnswerDue, now));

/** Whether any dispute is overdue and untold (one cheap statement, so an idle sweep opens no transaction). */
export async function anyOverdueDispute(db: Executor, now: Date): Promise<boolean> {
  const rows = await db.select({ id: orders.id }).from(orders).where(overdue(now)).limit(1);
  return rows.length > 0;
}

/**
 * Open disputes whose answer deadline passed without an answer and whose buyer was not told yet:
 * marked told (SKIP LOCKED: concurrent sweepers take each once) and returned, at most `limit`.
 */
export async function takeOverdueDisputes(tx: Executor, now: Date, limit: number): Promise<OrderRow[]> {
  const due = tx.select({ id: orders.id }).from(orders).where(overdue(now)).limit(limit).for('update', { skipLocked: true });
  const rows = await tx
    .update(orders)
    .set({ disputeOverdueNoticed: true })
    .where(and(inArray(orders.id, due), eq(orders.disputeOverdueNoticed, false)))
    .returning();
  return rows.map(toOrder);
}
