/** Conversation reports: filing one, and the moderation queue admins work through. */
import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db.ts';
import { reports } from './schema.ts';

export type ReportRow = typeof reports.$inferSelect;
export type ReportStatus = 'OPEN' | 'RESOLVED';
export type ReportAction = 'DISMISS' | 'WARN' | 'SUSPEND_STORE' | 'SUSPEND_USER';

export async function insertReport(
  ex: Executor,
  r: { conversationId: string; reporterId: string; reporterSide: 'BUYER' | 'SELLER'; reason: string; createdAt: Date },
): Promise<void> {
  await ex.insert(reports).values(r);
}

export async function reportById(ex: Executor, id: string): Promise<ReportRow | undefined> {
  const [r] = await ex.select().from(reports).where(eq(reports.id, id));
  return r;
}

/** A page of reports, oldest first (the queue's order), after (createdAt, id). */
export async function reportsPage(
  ex: Executor,
  f: { status: ReportStatus | null; after: { at: Date; id: string } | null; limit: number },
): Promise<ReportRow[]> {
  const conds: (SQL | undefined)[] = [f.status ? eq(reports.status, f.status) : undefined];
  if (f.after) conds.push(or(gt(reports.createdAt, f.after.at), and(eq(reports.createdAt, f.after.at), gt(reports.id, f.after.id))));
  return ex
    .select()
    .from(reports)
    .where(and(...conds))
    .orderBy(asc(reports.createdAt), asc(reports.id))
    .limit(f.limit);
}

/** Resolves an OPEN report (one conditional UPDATE: of two admins at once, one wins); undefined when it was not open. */
export async function resolveReport(
  tx: Executor,
  id: string,
  r: { resolution: ReportAction; resolutionNote: string | null; resolvedBy: string; resolvedAt: Date },
): Promise<ReportRow | undefined> {
  const [row] = await tx
    .update(reports)
    .set({ status: 'RESOLVED', ...r })
    .where(and(eq(reports.id, id), eq(reports.status, 'OPEN')))
    .returning();
  return row;
}
