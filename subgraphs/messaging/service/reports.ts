/**
 * Conversation reports: a participant files one (reportConversation); admins
 * read the queue (reports) and resolve each report once (resolveReport):
 *
 * - DISMISS: nothing else happens.
 * - WARN: a SYSTEM message in the reported conversation, addressed to the
 *   reported party (unread on their side only; the reporter sees it too).
 * - SUSPEND_STORE (a buyer reported a store): the catalog suspends the store.
 * - SUSPEND_USER: the users subgraph suspends the reported person (the
 *   store's owner when a buyer reported, the buyer when the store's owner did).
 *
 * A suspension is asked first (internal call, idempotent: a store or person
 * already suspended is fine); then one transaction resolves the report with a
 * conditional UPDATE (of two admins resolving it at once, one wins; the other
 * gets INVALID_STATE), writes the warning, and publishes `admin.action`. If
 * the other subgraph cannot be reached the report stays open
 * (SERVICE_UNAVAILABLE): try again.
 */
import { z } from 'zod';
import { adminAction, AdminNote, requireAdmin } from '../../../platform/admin.ts';
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import { badInput, fail } from '../../../platform/errors.ts';
import { publish } from '../../../platform/events/bus.ts';
import { InternalCallError } from '../../../platform/internal.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { decodeCursor, encodeCursor, isId, pageSize } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries.ts';
import * as qr from '../db/queries-reports.ts';
import type { ReportAction, ReportRow, ReportStatus } from '../db/queries-reports.ts';
import { ownSide } from './access.ts';
import { announce } from './send.ts';

const Reason = z.string().trim().min(1, 'Say why you report this conversation.').max(1000, 'A reason is at most 1000 characters.');

/** Who a report is about: the other side of the reporter. */
export interface ReportedParty {
  side: q.Side;
  userId: string;
  /** The store, when a buyer reported. */
  storeId: string | null;
}

export function reportedParty(report: ReportRow, c: q.ConversationRow): ReportedParty {
  return report.reporterSide === 'BUYER'
    ? { side: 'SELLER', userId: c.sellerId ?? '', storeId: c.storeId }
    : { side: 'BUYER', userId: c.buyerId, storeId: null };
}

export function warningText(note: string | null): string {
  return `Marketplace warning: this conversation was reported and reviewed by our moderators. Please keep to the marketplace rules; further reports may lead to a suspension.${note ? ` Moderator's note: ${note}` : ''}`;
}

export class ReportService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  /** reportConversation: a participant of a SELLER conversation files a report. */
  async report(viewer: Viewer, conversationId: string, reason: string): Promise<{ conversation: q.ConversationRow }> {
    const { c, side } = await ownSide(this.db, viewer, conversationId);
    if (c.category !== 'SELLER') fail('INVALID_INPUT', 'Only conversations with a store can be reported.', ['conversationId']);
    const why = validInput(Reason, reason, { field: ['reason'] });
    await qr.insertReport(this.db, { conversationId: c.id, reporterId: viewer.id, reporterSide: side, reason: why, createdAt: this.deps.clock.now() });
    return { conversation: c };
  }

  /** reports: the moderation queue, oldest first (admins only). */
  async reports(viewer: Viewer, args: { status?: ReportStatus | null; first?: number | null; after?: string | null }): Promise<Connection<ReportRow>> {
    requireAdmin(viewer);
    const n = pageSize(args.first);
    const cursor = decodeCursor<{ t?: unknown; i?: unknown }>(args.after);
    if (cursor && (typeof cursor.t !== 'string' || Number.isNaN(Date.parse(cursor.t)) || !isId(cursor.i))) throw badInput('The cursor is not valid.');
    const rows = await qr.reportsPage(this.db, {
      status: args.status ?? null,
      after: cursor ? { at: new Date(cursor.t as string), id: cursor.i as string } : null,
      limit: n + 1,
    });
    return connection(rows, n, (r) => encodeCursor({ t: r.createdAt.toISOString(), i: r.id }));
  }

  /** The reported conversation, for an admin (the report's own fields resolve it). */
  async conversationOf(report: ReportRow): Promise<q.ConversationRow> {
    const [c] = await q.conversationsByIds(this.db, [report.conversationId]);
    return c;
  }

  /** resolveReport (admins only). */
  async resolve(viewer: Viewer, reportId: string, action: ReportAction, note?: string | null): Promise<{ report: ReportRow }> {
    requireAdmin(viewer);
    if (!isId(reportId)) fail('NOT_FOUND', 'No such report.', ['reportId']);
    const why = validInput(AdminNote, note, { field: ['note'] });
    const report = await qr.reportById(this.db, reportId);
    if (!report) fail('NOT_FOUND', 'No such report.', ['reportId']);
    if (report.status !== 'OPEN') fail('INVALID_STATE', 'This report was already resolved.', ['reportId']);
    const c = await this.conversationOf(report);
    const party = reportedParty(report, c);
    const reason = why ?? `Conversation report: ${report.reason}`;
    if (action === 'SUSPEND_STORE') {
      if (!party.storeId) fail('INVALID_INPUT', 'A buyer was reported, not a store: suspend the user instead.', ['action']);
      await this.ask('catalog', 'suspendStore', { actorId: viewer.id, storeId: party.storeId, reason });
    } else if (action === 'SUSPEND_USER') {
      await this.ask('users', 'suspendUser', { actorId: viewer.id, userId: party.userId, reason });
    }
    const now = this.deps.clock.now();
    const resolved = await this.db.transaction(async (tx) => {
      const row = await qr.resolveReport(tx, report.id, { resolution: action, resolutionNote: why, resolvedBy: viewer.id, resolvedAt: now });
      if (!row) fail('INVALID_STATE', 'This report was already resolved.', ['reportId']);
      if (action === 'WARN') await this.warn(tx, c, party, why, now);
      await publish(tx, [
        adminAction({
          actorId: viewer.id,
          action: 'RESOLVE_REPORT',
          targetType: 'REPORT',
          targetId: report.id,
          reason: why ? `${action}: ${why}` : action,
          at: now,
        }),
      ]);
      return row;
    });
    return { report: resolved };
  }

  /** The warning: a SYSTEM message to the reported party, in the reported conversation. */
  private async warn(tx: Tx, c: q.ConversationRow, party: ReportedParty, note: string | null, now: Date): Promise<void> {
    const m = await q.insertMessage(tx, {
      conversationId: c.id,
      senderRole: 'SYSTEM',
      senderId: null,
      body: warningText(note),
      attachments: [],
      orderId: null,
      // unread only on the reported side
      readByBuyer: party.side !== 'BUYER',
      readBySeller: party.side !== 'SELLER',
      createdAt: now,
      recipientId: party.userId,
    });
    await q.countIncoming(tx, c.id, party.side, null, now);
    await announce(tx, m, [party.userId]);
  }

  /** An internal call for a suspension; SERVICE_UNAVAILABLE when it cannot be made (the report stays open). */
  private async ask(target: 'catalog' | 'users', operation: string, input: Record<string, unknown>): Promise<void> {
    let r: { ok?: boolean; error?: { code?: string; message?: string } };
    try {
      r = await this.deps.internal.call(target, operation, input);
    } catch (err) {
      if (!(err instanceof InternalCallError)) throw err;
      this.deps.log.warn('a report resolution could not suspend', { target, operation, err });
      fail('SERVICE_UNAVAILABLE', 'The suspension could not be made right now; the report stays open. Try again shortly.', ['action']);
    }
    if (!r?.ok) fail(r?.error?.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_STATE', r?.error?.message ?? 'The suspension could not be made.', ['action']);
  }
}
