/**
 * Platform administration in tests: the admin account (ADMIN_EMAIL/ADMIN_PASSWORD in the
 * stack's environment), the admin operations' documents, and the audit log.
 *
 *   const t = await startTestStack({ env: { ...ADMIN_ENV } });
 *   const admin = await loginAdmin(t);
 *   await admin.client.data(SUSPEND_STORE, { id: storeId, reason: 'Counterfeits' });
 */
import { login, type Account } from './accounts.ts';
import { eventually } from './orders.ts';
import type { GraphQLResponse } from './client.ts';
import type { TestStack } from './stack.ts';

export const ADMIN_ENV = { ADMIN_EMAIL: 'moderator@marketplace.test', ADMIN_PASSWORD: 'Moderator-Password-2026' };

export function loginAdmin(t: TestStack): Promise<Account> {
  return login(t.client, ADMIN_ENV.ADMIN_EMAIL, ADMIN_ENV.ADMIN_PASSWORD);
}

const ERR = 'userErrors { field code message }';
export const SUSPEND_STORE = `mutation($id: ID!, $reason: String!) { suspendStore(storeId: $id, reason: $reason) { store { id suspended } ${ERR} } }`;
export const REINSTATE_STORE = `mutation($id: ID!, $reason: String!) { reinstateStore(storeId: $id, reason: $reason) { store { id suspended } ${ERR} } }`;
export const SUSPEND_USER = `mutation($id: ID!, $reason: String!) { suspendUser(userId: $id, reason: $reason) { userId suspended ${ERR} } }`;
export const REINSTATE_USER = `mutation($id: ID!, $reason: String!) { reinstateUser(userId: $id, reason: $reason) { userId suspended ${ERR} } }`;
export const REPORT_FIELDS = `id reporterSide reporterId reportedUserId reportedStore { id } reason status createdAt resolution resolutionNote resolvedAt
  conversation { id messages(first: 20) { edges { node { senderRole body } } } }`;
export const REPORTS = `query($status: ReportStatus, $first: Int, $after: String) { reports(status: $status, first: $first, after: $after) {
  edges { cursor node { ${REPORT_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
export const RESOLVE_REPORT = `mutation($id: ID!, $action: ReportAction!, $note: String) { resolveReport(reportId: $id, action: $action, note: $note) {
  report { ${REPORT_FIELDS} } ${ERR} } }`;
export const AUDIT_LOG = `query($first: Int, $after: String) { auditLog(first: $first, after: $after) {
  edges { cursor node { id actorId actorEmail action targetType targetId reason at } } pageInfo { hasNextPage endCursor } } }`;

export interface AuditEntry {
  id: string;
  actorId: string;
  actorEmail: string | null;
  action: string;
  targetType: string;
  targetId: string;
  reason: string | null;
  at: string;
}

/** The newest audit entries (up to 100), read as the admin. */
export async function auditEntries(admin: Account): Promise<AuditEntry[]> {
  const d = await admin.client.data<{ auditLog: { edges: { node: AuditEntry }[] } }>(AUDIT_LOG, { first: 100 });
  return d.auditLog.edges.map((e) => e.node);
}

/** Waits until the audit log holds an entry for `action` on `targetId` (the users subgraph projects them from events); returns it. */
export async function auditEntryFor(admin: Account, action: string, targetId: string): Promise<AuditEntry> {
  return eventually(async () => {
    const found = (await auditEntries(admin)).find((e) => e.action === action && e.targetId === targetId);
    if (!found) throw new Error(`no ${action} entry for ${targetId} yet`);
    return found;
  }, 20_000);
}

/** The GraphQL error code of an answer (first error), or undefined. */
export function errorCode(r: GraphQLResponse): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}
