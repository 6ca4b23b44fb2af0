import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_ENV,
  AUDIT_LOG,
  auditEntries,
  auditEntryFor,
  errorCode,
  loginAdmin,
  REINSTATE_STORE,
  REINSTATE_USER,
  REPORTS,
  RESOLVE_REPORT,
  SUSPEND_STORE,
  SUSPEND_USER,
} from '../helpers/admin.ts';
import { mintPerson, registerUser, type Account, type Person } from '../helpers/accounts.ts';
import { openStore, PATIENT_GATEWAY, send } from '../helpers/messaging.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const REPORT = `mutation($c: ID!, $r: String!) { reportConversation(conversationId: $c, reason: $r) { conversation { id } userErrors { field code message } } }`;
const STORE = `query($id: ID!) { store(id: $id) { id suspended } }`;
const CONVERSATION = `query($id: ID!) { conversation(id: $id) { unreadCount messages(first: 10) { edges { node { senderRole senderName body read } } } } }`;

describe('moderation: who may act, conversation reports, and the audit log', { timeout: 120_000 }, () => {
  let t: TestStack;
  let admin: Account;
  let buyer: Account;
  let seller: Account;
  let storeId: string;

  beforeAll(async () => {
    t = await startTestStack({ env: { ...ADMIN_ENV, ...PATIENT_GATEWAY } });
    admin = await loginAdmin(t);
    [buyer, seller] = await Promise.all([registerUser(t.client), registerUser(t.client)]);
    storeId = await openStore(seller);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  /** A buyer's conversation with the seller's store (one message each way); returns its id. */
  async function conversationWith(b: Person, s: Person, store: string): Promise<string> {
    const m = await send(b.client, { storeId: store, body: 'Is this genuine?' });
    await send(s.client, { conversationId: m.conversation.id, body: 'Of course, buy it.' });
    return m.conversation.id;
  }

  async function fileReport(by: Person, conversationId: string, reason: string): Promise<string> {
    const r = await by.client.data(REPORT, { c: conversationId, r: reason });
    expect(r.reportConversation.userErrors).toEqual([]);
    const open = await admin.client.data(REPORTS, { status: 'OPEN', first: 100 });
    const found = open.reports.edges.map((e: any) => e.node).find((n: any) => n.conversation.id === conversationId && n.reason === reason);
    return found.id;
  }

  it('refuses every admin operation to a guest (UNAUTHENTICATED), a buyer and a seller (FORBIDDEN), changing nothing', async () => {
    const conversationId = await conversationWith(buyer, seller, storeId);
    const reportId = await fileReport(buyer, conversationId, 'Rude answers');
    const operations: [string, Record<string, unknown>][] = [
      [REPORTS, {}],
      [AUDIT_LOG, {}],
      [RESOLVE_REPORT, { id: reportId, action: 'SUSPEND_STORE' }],
      [SUSPEND_STORE, { id: storeId, reason: 'x' }],
      [REINSTATE_STORE, { id: storeId, reason: 'x' }],
      [SUSPEND_USER, { id: buyer.userId, reason: 'x' }],
      [REINSTATE_USER, { id: buyer.userId, reason: 'x' }],
    ];
    for (const [query, vars] of operations) {
      expect(errorCode(await t.client.request(query, vars)), query).toBe('UNAUTHENTICATED');
      for (const who of [buyer, seller]) expect(errorCode(await who.client.request(query, vars)), query).toBe('FORBIDDEN');
    }
    expect((await t.client.data(STORE, { id: storeId })).store.suspended).toBe(false);
    expect((await buyer.client.data(`{ viewer { id } }`)).viewer.id).toBe(buyer.userId);
    const open = await admin.client.data(REPORTS, { status: 'OPEN', first: 100 });
    expect(open.reports.edges.map((e: any) => e.node.id)).toContain(reportId);
  });

  it('lists reports for admins with the reported party and the conversation; WARN writes to the reported party once, and a report is resolved only once', async () => {
    const b = await registerUser(t.client);
    const conversationId = await conversationWith(b, seller, storeId);
    const reportId = await fileReport(b, conversationId, 'Asked me to pay outside the marketplace');
    const open = await admin.client.data(REPORTS, { status: 'OPEN', first: 100 });
    const report = open.reports.edges.map((e: any) => e.node).find((n: any) => n.id === reportId);
    expect(report).toMatchObject({
      reporterSide: 'BUYER',
      reporterId: b.userId,
      reportedUserId: seller.userId,
      reportedStore: { id: storeId },
      status: 'OPEN',
      resolution: null,
    });
    expect(report.conversation.messages.edges.map((e: any) => e.node.body)).toEqual(['Of course, buy it.', 'Is this genuine?']);

    const sellerUnread = (await seller.client.data(CONVERSATION, { id: conversationId })).conversation.unreadCount;
    const [one, two] = await Promise.all([
      admin.client.data(RESOLVE_REPORT, { id: reportId, action: 'WARN', note: 'Payments go through checkout only.' }),
      admin.client.data(RESOLVE_REPORT, { id: reportId, action: 'WARN', note: 'Payments go through checkout only.' }),
    ]);
    const outcomes = [one.resolveReport, two.resolveReport];
    expect(outcomes.filter((o) => o.userErrors.length === 0)).toHaveLength(1);
    expect(outcomes.filter((o) => o.userErrors[0]?.code === 'INVALID_STATE')).toHaveLength(1);
    const resolved = outcomes.find((o) => o.userErrors.length === 0).report;
    expect(resolved).toMatchObject({ status: 'RESOLVED', resolution: 'WARN', resolutionNote: 'Payments go through checkout only.' });

    const seen = (await seller.client.data(CONVERSATION, { id: conversationId })).conversation;
    const warnings = seen.messages.edges.map((e: any) => e.node).filter((m: any) => m.senderRole === 'SYSTEM');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ senderName: 'Marketplace', read: false });
    expect(warnings[0].body).toMatch(/^Marketplace warning: .*Moderator's note: Payments go through checkout only\.$/);
    expect(seen.unreadCount).toBe(sellerUnread + 1);
    expect((await b.client.data(CONVERSATION, { id: conversationId })).conversation.unreadCount).toBe(1); // the seller's reply only

    const later = await admin.client.data(RESOLVE_REPORT, { id: reportId, action: 'DISMISS' });
    expect(later.resolveReport.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', field: ['reportId'] })]);
    const done = await admin.client.data(REPORTS, { status: 'RESOLVED', first: 100 });
    expect(done.reports.edges.map((e: any) => e.node.id)).toContain(reportId);
    expect((await admin.client.data(REPORTS, { status: 'OPEN', first: 100 })).reports.edges.map((e: any) => e.node.id)).not.toContain(reportId);
    expect(await auditEntryFor(admin, 'RESOLVE_REPORT', reportId)).toMatchObject({ actorId: admin.userId, reason: 'WARN: Payments go through checkout only.' });
  });

  it('resolving with SUSPEND_STORE suspends the reported store, and SUSPEND_USER the reported buyer (a store cannot be suspended for a buyer)', async () => {
    const owner = await registerUser(t.client);
    const shopId = await openStore(owner);
    const b1 = await registerUser(t.client);
    const c1 = await conversationWith(b1, owner, shopId);
    const r1 = await fileReport(b1, c1, 'Sells fakes');
    const s1 = await admin.client.data(RESOLVE_REPORT, { id: r1, action: 'SUSPEND_STORE', note: 'Fakes confirmed' });
    expect(s1.resolveReport.userErrors).toEqual([]);
    expect((await t.client.data(STORE, { id: shopId })).store.suspended).toBe(true);
    expect(await auditEntryFor(admin, 'SUSPEND_STORE', shopId)).toMatchObject({ reason: 'Fakes confirmed' });

    const b2 = await registerUser(t.client);
    const c2 = await conversationWith(b2, seller, storeId);
    const r2 = await fileReport(seller, c2, 'Threatens me');
    const wrong = await admin.client.data(RESOLVE_REPORT, { id: r2, action: 'SUSPEND_STORE' });
    expect(wrong.resolveReport.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['action'] })]);
    expect((await t.client.data(STORE, { id: storeId })).store.suspended).toBe(false);
    const s2 = await admin.client.data(RESOLVE_REPORT, { id: r2, action: 'SUSPEND_USER' });
    expect(s2.resolveReport.report).toMatchObject({ status: 'RESOLVED', resolution: 'SUSPEND_USER', reportedUserId: b2.userId });
    expect(errorCode(await b2.client.request(`{ viewer { id } }`))).toBe('UNAUTHENTICATED');
    expect(await auditEntryFor(admin, 'SUSPEND_USER', b2.userId)).toMatchObject({ reason: 'Conversation report: Threatens me' });
  });

  it('answers bad input with a clear error and changes nothing', async () => {
    const cases: [string, Record<string, unknown>, string, string[] | null][] = [
      [SUSPEND_STORE, { id: storeId, reason: '   ' }, 'INVALID_INPUT', ['reason']],
      [SUSPEND_STORE, { id: storeId, reason: 'x'.repeat(1001) }, 'INVALID_INPUT', ['reason']],
      [SUSPEND_STORE, { id: crypto.randomUUID(), reason: 'Fakes' }, 'NOT_FOUND', ['storeId']],
      [SUSPEND_STORE, { id: 'not-an-id', reason: 'Fakes' }, 'NOT_FOUND', ['storeId']],
      [REINSTATE_STORE, { id: storeId, reason: 'Not suspended' }, 'INVALID_STATE', ['storeId']],
      [SUSPEND_USER, { id: admin.userId, reason: 'Myself' }, 'INVALID_INPUT', ['userId']],
      [SUSPEND_USER, { id: crypto.randomUUID(), reason: 'Nobody' }, 'NOT_FOUND', ['userId']],
      [REINSTATE_USER, { id: buyer.userId, reason: 'Not suspended' }, 'INVALID_STATE', ['userId']],
      [RESOLVE_REPORT, { id: crypto.randomUUID(), action: 'DISMISS' }, 'NOT_FOUND', ['reportId']],
      [RESOLVE_REPORT, { id: crypto.randomUUID(), action: 'DISMISS', note: 'n'.repeat(1001) }, 'INVALID_INPUT', ['note']],
    ];
    for (const [query, vars, code, field] of cases) {
      const d = await admin.client.data(query, vars);
      const p = Object.values(d)[0] as { userErrors: unknown[] };
      expect(p.userErrors, `${query} ${JSON.stringify(vars).slice(0, 80)}`).toEqual([expect.objectContaining({ code, field })]);
    }
    expect(errorCode(await admin.client.request(REPORTS, { after: 'garbage' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await admin.client.request(AUDIT_LOG, { after: 'garbage' }))).toBe('BAD_USER_INPUT');
    const c = await conversationWith(await registerUser(t.client), seller, storeId);
    const empty = await seller.client.data(REPORT, { c, r: ' ' });
    expect(empty.reportConversation.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['reason'] })]);
    expect((await t.client.data(STORE, { id: storeId })).store.suspended).toBe(false);
  });

  it('keeps every admin action in the audit log, newest first, with who, what, when and why; pages with cursors; a second admin is recorded as who they are', async () => {
    const other = await mintPerson(t, { roles: ['admin'] });
    const target = await registerUser(t.client);
    await admin.client.data(SUSPEND_USER, { id: target.userId, reason: 'First' });
    const reinstated = await other.client.data(REINSTATE_USER, { id: target.userId, reason: 'Second' });
    expect(reinstated.reinstateUser.userErrors).toEqual([]);
    const second = await auditEntryFor(admin, 'REINSTATE_USER', target.userId);
    expect(second).toMatchObject({ actorId: other.userId, actorEmail: null, targetType: 'USER', reason: 'Second' });
    const entries = await auditEntries(admin);
    const first = entries.find((e) => e.action === 'SUSPEND_USER' && e.targetId === target.userId)!;
    expect(first).toMatchObject({ actorId: admin.userId, actorEmail: ADMIN_ENV.ADMIN_EMAIL, reason: 'First' });
    expect(entries.indexOf(second)).toBeLessThan(entries.findIndex((e) => e.id === first.id));
    expect(Date.parse(second.at)).toBeGreaterThanOrEqual(Date.parse(first.at));

    const page1 = await admin.client.data(AUDIT_LOG, { first: 2 });
    expect(page1.auditLog.pageInfo.hasNextPage).toBe(true);
    const page2 = await admin.client.data(AUDIT_LOG, { first: 2, after: page1.auditLog.pageInfo.endCursor });
    const ids = [...page1.auditLog.edges, ...page2.auditLog.edges].map((e: any) => e.node.id);
    expect(ids).toEqual(entries.slice(0, 4).map((e) => e.id));
  });

  it('refuses to change or remove audit entries, even in SQL', async () => {
    const db = t.stack.subgraphs.users.db.drizzle;
    const before = await auditEntries(admin);
    expect(before.length).toBeGreaterThan(0);
    const refusal = (err: unknown) => `${String(err)} ${String((err as { cause?: unknown }).cause)}`;
    for (const statement of [sql`update users.audit_log set reason = 'nothing happened'`, sql`delete from users.audit_log`, sql`truncate users.audit_log`]) {
      const err = await db.execute(statement).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, 'the statement should have been refused').not.toBeNull();
      expect(refusal(err)).toMatch(/the audit log is append-only/);
    }
    expect(await auditEntries(admin)).toEqual(before);
  });
});
