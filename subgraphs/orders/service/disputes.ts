/**
 * Disputes (docs/orders.md, "Disputes and refunds"): the buyer opens one on some
 * lines (or the whole order), the seller refunds (all or part) or refuses, the
 * buyer escalates after a refusal or when the seller has not answered in time,
 * and an admin arbitrates.
 *
 * Every step is one conditional UPDATE of the order row with its history entry,
 * its `order.status_changed` event and, for a refund, its `orders.refunds` row in
 * the same transaction. A settlement adds its amount to `orders.refunded_amount`
 * only while that stays within the order's total, in the same statement: two
 * settlements at once can never refund more than was paid. The refunds job
 * (service/refunds.ts) then pays the refund with the provider.
 */
import { z } from 'zod';
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { encodeCursor, isId, money, pageSize } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import type { OrderRow } from '../db/queries/index.ts';
import { publishNotice, recordStatusChanges } from './common.ts';
import { DisputeNote, NoAmount, refundAmount } from './inputs.ts';
import type { LifecycleService } from './lifecycle.ts';
import { parseKeyset } from './orders.ts';

export const DISPUTE_REASONS = ['NOT_RECEIVED', 'NOT_AS_DESCRIBED', 'DAMAGED', 'WRONG_ITEM', 'OTHER'] as const;

const OpenInput = z.object({
  reason: z.enum(DISPUTE_REASONS, { message: 'Unknown dispute reason.' }),
  description: z.string().trim().min(1, 'The description is 1–2000 characters.').max(2000, 'The description is 1–2000 characters.'),
  lines: z
    .array(
      z.object({
        orderLineId: z.string().refine(isId, 'No such line in this order.'),
        quantity: z.number().int('The quantity is a whole number.').min(1, 'The quantity is at least 1.'),
      }),
    )
    .max(100, 'At most 100 lines.')
    .nullish(),
});

export interface DisputeLineInput {
  orderLineId: string;
  quantity: number;
}

const isAdmin = (viewer: Viewer) => viewer.roles.includes('admin');

export class DisputeService {
  constructor(
    private readonly deps: SubgraphDeps,
    private readonly lifecycle: LifecycleService,
  ) {}

  async openDispute(viewer: Viewer, orderId: string, reason: string, description: string, lines?: DisputeLineInput[] | null): Promise<OrderRow> {
    const order = await this.lifecycle.own(viewer, orderId, 'buyer');
    const input = validInput(OpenInput, { reason, description, lines });
    const disputed = await this.disputedLines(order, input.lines ?? []);
    const amount = disputed.length
      ? Math.min(
          order.total,
          disputed.reduce((s, l) => s + l.amount, 0),
        )
      : order.total;
    const now = this.deps.clock.now();
    const answerDue = new Date(now.getTime() + this.deps.config.orderClock.disputeAnswerWindowS * 1000);
    return this.lifecycle.act(
      viewer,
      orderId,
      'buyer',
      {
        from: ['UNCONFIRMED_DELIVERY', 'FEEDBACK_REQUIRED'],
        to: 'DISPUTED',
        set: [q.openDisputeAssignments({ reason: input.reason, description: input.description, lines: disputed, amount, at: now, answerDue })],
      },
      `Dispute opened: ${input.reason}`,
    );
  }

  /** The lines as stored: each a line of the order, once, with a quantity up to the line's. */
  private async disputedLines(order: OrderRow, lines: DisputeLineInput[]): Promise<q.DisputeLineRecord[]> {
    if (!lines.length) return [];
    const own = new Map((await q.linesByOrderIds(this.deps.db.drizzle, [order.id])).map((l) => [l.id, l]));
    const seen = new Set<string>();
    return lines.map((l, i) => {
      const line = own.get(l.orderLineId);
      if (!line) fail('INVALID_INPUT', 'No such line in this order.', ['lines', String(i), 'orderLineId']);
      if (seen.has(l.orderLineId)) fail('INVALID_INPUT', 'Each line at most once.', ['lines', String(i), 'orderLineId']);
      seen.add(l.orderLineId);
      if (l.quantity > line.quantity) fail('INVALID_INPUT', `At most ${line.quantity} of this line.`, ['lines', String(i), 'quantity']);
      return { orderLineId: line.id, quantity: l.quantity, amount: line.unitPrice * l.quantity };
    });
  }

  async resolveDispute(viewer: Viewer, orderId: string, refund: boolean, amount?: string | null): Promise<OrderRow> {
    const order = await this.lifecycle.own(viewer, orderId, 'seller');
    const now = this.deps.clock.now();
    if (!refund) {
      validInput(NoAmount, amount, { field: ['amount'] });
      const escalateUntil = new Date(now.getTime() + this.deps.config.orderClock.disputeAnswerWindowS * 1000);
      return this.settle(order, {
        settlement: { amount: 0, refused: true, by: 'SELLER', note: null, from: ['OPEN'], actor: q.actor.seller(viewer.id), at: now, escalateUntil },
        reason: 'Dispute resolved without refund',
        notice: 'the seller refused the dispute; you may escalate it to the platform',
      });
    }
    const left = order.total - order.refundedAmount;
    const cents = amount == null ? Math.min(order.disputeAmount ?? order.total, left) : this.amount(amount, ['amount'], left, true);
    return this.settle(order, {
      settlement: { amount: cents, refused: false, by: 'SELLER', note: null, from: ['OPEN', 'ESCALATED'], actor: q.actor.seller(viewer.id), at: now },
      reason: `Dispute resolved: ${money(cents).amount} refunded`,
      notice: `the seller refunded ${money(cents).amount} ${money(cents).currencyCode}`,
      refundReason: 'Dispute settled by the seller',
    });
  }

  async escalateDispute(viewer: Viewer, orderId: string): Promise<OrderRow> {
    const order = await this.lifecycle.own(viewer, orderId, 'buyer');
    const now = this.deps.clock.now();
    const row = await this.deps.db.drizzle.transaction(async (tx) => {
      const moved = await q.escalateDispute(tx, orderId, viewer.id, now);
      if (!moved) {
        if (order.disputeStatus === 'OPEN' && order.disputeAnswerDue && order.disputeAnswerDue > now) {
          fail('INVALID_STATE', `The seller may answer until ${order.disputeAnswerDue.toISOString()}; escalate after that if they have not.`, ['orderId']);
        }
        fail('INVALID_STATE', 'Only a dispute the seller refused, or left unanswered past its deadline, can be escalated.', ['orderId']);
      }
      await recordStatusChanges(tx, [moved], 'Dispute escalated to the platform', now, 'the dispute was escalated to the platform');
      return moved;
    });
    return row;
  }

  async arbitrateDispute(viewer: Viewer, orderId: string, refundAmount: string, note?: string | null): Promise<OrderRow> {
    if (!isAdmin(viewer)) throw forbidden('Only an administrator can arbitrate disputes.');
    const [order] = isId(orderId) ? await q.ordersByIds(this.deps.db.drizzle, [orderId]) : [];
    if (!order?.disputeStatus) fail('NOT_FOUND', 'No dispute on this order.', ['orderId']);
    const text = validInput(DisputeNote, note, { field: ['note'] });
    const cents = this.amount(refundAmount, ['refundAmount'], order.total - order.refundedAmount, false);
    const shown = `${money(cents).amount} ${money(cents).currencyCode}`;
    return this.settle(order, {
      settlement: { amount: cents, refused: false, by: 'ADMIN', note: text, from: ['OPEN', 'ESCALATED'], at: this.deps.clock.now() },
      reason: `Dispute arbitrated by the platform: ${money(cents).amount} refunded`,
      notice: cents > 0 ? `the platform settled the dispute: ${shown} refunded` : 'the platform settled the dispute without a refund',
      refundReason: 'Refund decided by the platform',
      field: ['refundAmount'],
    });
  }

  /** Minor units of an amount argument, at most `left`; `positive`: more than 0. */
  private amount(input: string, field: string[], left: number, positive: boolean): number {
    const cents = validInput(refundAmount(positive), input, { field });
    if (cents > left) fail('REFUND_TOO_LARGE', `At most ${money(left).amount} can still be refunded on this order.`, field);
    return cents;
  }

  /** One settlement: the order row, the refund owed (if any), history and event, in one transaction. */
  private async settle(
    order: OrderRow,
    s: { settlement: q.Settlement; reason: string; notice: string; refundReason?: string; field?: string[] },
  ): Promise<OrderRow> {
    const { db } = this.deps;
    const at = s.settlement.at;
    const row = await db.drizzle.transaction(async (tx) => {
      const moved = await q.settleDispute(tx, order.id, s.settlement);
      if (!moved) {
        const [now] = await q.ordersByIds(tx, [order.id]);
        if (now?.status === 'DISPUTED' && now.disputeStatus && s.settlement.from.includes(now.disputeStatus as q.DisputeStatus)) {
          // the dispute is there to settle: the amount no longer fits (another refund came first)
          fail('REFUND_TOO_LARGE', `At most ${money(now.total - now.refundedAmount).amount} can still be refunded on this order.`, s.field ?? ['amount']);
        }
        fail('INVALID_STATE', `The order is ${now?.status ?? 'gone'} and its dispute ${now?.disputeStatus ?? 'none'}; this cannot be done now.`, ['orderId']);
      }
      if (s.settlement.amount > 0) {
        if (!moved.paymentId) throw new Error(`order ${moved.id} is disputed but has no payment`);
        await q.insertRefund(tx, {
          orderId: moved.id,
          paymentId: moved.paymentId,
          amount: s.settlement.amount,
          reason: s.refundReason ?? 'Refund',
          key: await q.nextRefundKey(tx, moved.id),
          at,
        });
      }
      await recordStatusChanges(tx, [moved], s.reason, at, s.notice);
      return moved;
    });
    this.lifecycle.kickCompensation();
    return row;
  }

  /**
   * The `orders.deadlines` job's part: tells the buyer of each open dispute whose answer
   * deadline passed without an answer that it may now be escalated (once per dispute).
   */
  async noticeOverdue(): Promise<void> {
    for (;;) {
      const now = this.deps.clock.now();
      if (!(await q.anyOverdueDispute(this.deps.db.drizzle, now))) return;
      const n = await this.deps.db.drizzle.transaction(async (tx) => {
        const rows = await q.takeOverdueDisputes(tx, now, 100);
        for (const r of rows) {
          await publishNotice(
            tx,
            r,
            'The seller did not answer the dispute in time',
            now,
            'the seller did not answer the dispute in time; you may escalate it to the platform',
          );
        }
        return rows.length;
      });
      if (n < 100) return;
    }
  }

  /** Admin: disputes of a status (all with one), oldest opened first. */
  async disputes(viewer: Viewer, args: { status?: q.DisputeStatus | null; first?: number | null; after?: string | null }): Promise<Connection<OrderRow>> {
    if (!isAdmin(viewer)) throw forbidden('Only an administrator can list disputes.');
    const limit = pageSize(args.first);
    const after = parseKeyset(args.after);
    const status = args.status ?? null;
    const rows = limit === 0 ? [] : await q.disputePage(this.deps.db.drizzle, { status, after, limit: limit + 1 });
    return connection(
      rows,
      limit,
      (r) => encodeCursor([r.disputeOpenedAt!.toISOString(), r.id]),
      () => q.disputeCount(this.deps.db.drizzle, status),
    );
  }
}
