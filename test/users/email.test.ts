/**
 * Password recovery, email verification and the security level, through the
 * gateway, with the emails received on a real SMTP server in the test
 * (test/helpers/mail.ts): the code in the email is the one that works.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { codeIn, startSmtp, type TestSmtp } from '../helpers/mail.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { CHANGE_EMAIL, LOGIN, REFRESH, SET_QUESTION, STACK_START_TIMEOUT_MS } from './helpers.ts';

const ERR = 'userErrors { field code message }';
const REQUEST_RESET = `mutation($e: String!) { requestPasswordReset(email: $e) }`;
const RESET = `mutation($e: String!, $c: String!, $p: String!) { resetPassword(email: $e, code: $c, newPassword: $p) { accessToken refreshToken viewer { id email emailVerified } ${ERR} } }`;
const QUESTION = `query($e: String!) { securityQuestion(email: $e) }`;
const RESET_BY_ANSWER = `mutation($e: String!, $a: String!, $p: String!) { resetPasswordWithSecurityAnswer(email: $e, answer: $a, newPassword: $p) { accessToken viewer { id } ${ERR} } }`;
const REQUEST_VERIFICATION = `mutation { requestEmailVerification }`;
const VERIFY = `mutation($c: String!) { verifyEmail(code: $c) { user { id emailVerified securityLevel } ${ERR} } }`;
const ME = `{ viewer { id email emailVerified securityLevel hasSecurityQuestion } }`;
const NEW_PASSWORD = 'a-Fresh-password-42';
const CODE_TTL_S = 1800;

let t: TestStack;
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestStack({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Shop <no-reply@shop.test>', MAIL_INTERVAL_MS: '200', MAIL_RETRY_MAX_MS: '200', SUBGRAPH_TIMEOUT_MS: '30000' },
  });
}, STACK_START_TIMEOUT_MS);
afterAll(async () => {
  await t?.stop();
  await smtp?.stop();
});
// every request comes from 127.0.0.1: a fresh throttle window for each test
beforeEach(() => t.clock.advance(15 * 60 + 1));

const resetCode = async (a: Account) => {
  const before = smtp.received.length;
  expect((await t.client.data<any>(REQUEST_RESET, { e: a.email })).requestPasswordReset).toBe(true);
  const mail = await smtp.next((m) => m.to === a.email && m.subject === 'Your password reset code' && smtp.received.indexOf(m) >= before);
  return { mail, code: codeIn(mail) };
};
const reset = async (email: string, code: string, password = NEW_PASSWORD) =>
  (await t.client.data<any>(RESET, { e: email, c: code, p: password })).resetPassword;
const codes = (p: { userErrors: { code: string }[] }) => p.userErrors.map((e) => e.code);

describe('password reset by email', () => {
  it('emails a code (plain text and HTML, from MAIL_FROM) that sets the new password, signs in and ends every other session', async () => {
    const a = await registerUser(t.client);
    const { mail, code } = await resetCode(a);
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    expect(mail.from).toContain('no-reply@shop.test');
    expect(mail.html).toContain(code);
    expect(mail.listUnsubscribe).toBeUndefined();
    const r = await reset(a.email, code);
    expect(r.userErrors).toEqual([]);
    expect(r.viewer).toMatchObject({ id: a.userId, email: a.email, emailVerified: true });
    expect((await t.client.as(r.accessToken).data<any>(ME)).viewer.id).toBe(a.userId);
    // the old session is over: its access token and refresh token are refused
    const old = await a.client.request(ME);
    expect(old.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(codes((await t.client.data<any>(REFRESH, { t: a.refreshToken })).refreshSession)).toEqual(['INVALID_CREDENTIALS']);
    // the new password works, the old one does not
    expect(codes((await t.client.data<any>(LOGIN, { email: a.email, password: NEW_PASSWORD })).login)).toEqual([]);
    expect(codes((await t.client.data<any>(LOGIN, { email: a.email, password: a.password })).login)).toEqual(['INVALID_CREDENTIALS']);
  });

  it('answers true for an unknown email and sends nothing', async () => {
    const unknown = `nobody-${crypto.randomUUID().slice(0, 8)}@example.test`;
    expect((await t.client.data<any>(REQUEST_RESET, { e: unknown })).requestPasswordReset).toBe(true);
    // an email asked for afterwards arrives; none ever went to the unknown address
    const a = await registerUser(t.client);
    await resetCode(a);
    expect(smtp.all((m) => m.to === unknown)).toEqual([]);
  });

  it('takes a code once: used again, wrong, superseded by a newer one or expired, it answers INVALID_CODE', async () => {
    const a = await registerUser(t.client);
    const first = await resetCode(a);
    expect(codes(await reset(a.email, 'ABCD2345'))).toEqual(['INVALID_CODE']);
    const second = await resetCode(a);
    expect(codes(await reset(a.email, first.code))).toEqual(['INVALID_CODE']);
    expect(codes(await reset(a.email, second.code.toLowerCase()))).toEqual([]);
    expect(codes(await reset(a.email, second.code))).toEqual(['INVALID_CODE']);
    const third = await resetCode(a);
    t.clock.advance(CODE_TTL_S + 1);
    const expired = await reset(a.email, third.code);
    expect(expired.userErrors).toEqual([{ field: ['code'], code: 'INVALID_CODE', message: expect.stringMatching(/expired/) }]);
    expect(expired.accessToken).toBeNull();
  });

  it('refuses a weak new password before looking at the code, which then still works', async () => {
    const a = await registerUser(t.client);
    const { code } = await resetCode(a);
    expect(codes(await reset(a.email, code, 'short'))).toEqual(['WEAK_PASSWORD']);
    expect(codes(await reset(a.email, code))).toEqual([]);
  });

  it('sends at most three codes per account in the window, and still answers true', async () => {
    const a = await registerUser(t.client);
    for (let i = 0; i < 5; i++) expect((await t.client.data<any>(REQUEST_RESET, { e: a.email })).requestPasswordReset).toBe(true);
    await smtp.next((m) => m.to === a.email);
    // give the queue a moment to send anything else it holds, then count
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.all((m) => m.to === a.email)).toHaveLength(3);
  });

  it('sends at most ten codes per client address in the window, unknown emails counted alike', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await t.client.data<any>(REQUEST_RESET, { e: `nobody-${i}-${crypto.randomUUID().slice(0, 6)}@example.test` })).requestPasswordReset).toBe(true);
    }
    const a = await registerUser(t.client);
    expect((await t.client.data<any>(REQUEST_RESET, { e: a.email })).requestPasswordReset).toBe(true);
    // the window passes: this address may ask again, and only that code arrives
    t.clock.advance(15 * 60 + 1);
    const { code } = await resetCode(a);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.all((m) => m.to === a.email)).toHaveLength(1);
    expect(codes(await reset(a.email, code))).toEqual([]);
  });

  it.skipIf(!onPostgres)('lets exactly one of two resets with the same code at once succeed (PostgreSQL only)', async () => {
    const a = await registerUser(t.client);
    const { code } = await resetCode(a);
    const both = await Promise.all([reset(a.email, code, 'first-Password-1'), reset(a.email, code, 'second-Password-2')]);
    expect(both.map(codes).sort()).toEqual([[], ['INVALID_CODE']]);
    const winner = both.find((r) => r.accessToken)!;
    const password = winner === both[0] ? 'first-Password-1' : 'second-Password-2';
    expect(codes((await t.client.data<any>(LOGIN, { email: a.email, password })).login)).toEqual([]);
  });
});

describe('password reset by security answer', () => {
  it('shows the account question, a stable decoy for an unknown email, and resets with the right answer', async () => {
    const a = await registerUser(t.client);
    await a.client.data(SET_QUESTION, { p: a.password, q: 'Name of my first cat?', a: 'Tom Kitten' });
    expect((await t.client.data<any>(QUESTION, { e: a.email.toUpperCase() })).securityQuestion).toBe('Name of my first cat?');
    const unknown = `ghost-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const decoy = (await t.client.data<any>(QUESTION, { e: unknown })).securityQuestion;
    expect(decoy).toMatch(/\?$/);
    expect((await t.client.data<any>(QUESTION, { e: unknown })).securityQuestion).toBe(decoy);

    const wrong = (await t.client.data<any>(RESET_BY_ANSWER, { e: a.email, a: 'Garfield', p: NEW_PASSWORD })).resetPasswordWithSecurityAnswer;
    expect(codes(wrong)).toEqual(['INVALID_CREDENTIALS']);
    const ghost = (await t.client.data<any>(RESET_BY_ANSWER, { e: unknown, a: 'Garfield', p: NEW_PASSWORD })).resetPasswordWithSecurityAnswer;
    expect(ghost.userErrors).toEqual(wrong.userErrors);
    const right = (await t.client.data<any>(RESET_BY_ANSWER, { e: a.email, a: 'tomkitten', p: NEW_PASSWORD })).resetPasswordWithSecurityAnswer;
    expect(right.userErrors).toEqual([]);
    expect(right.viewer.id).toBe(a.userId);
    expect((await a.client.request(ME)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('is throttled as login is: the sixth try is TOO_MANY_ATTEMPTS even with the right answer', async () => {
    const a = await registerUser(t.client);
    await a.client.data(SET_QUESTION, { p: a.password, q: 'Favourite colour?', a: 'blue' });
    for (let i = 0; i < 5; i++) {
      expect(codes((await t.client.data<any>(RESET_BY_ANSWER, { e: a.email, a: `red ${i}`, p: NEW_PASSWORD })).resetPasswordWithSecurityAnswer)).toEqual([
        'INVALID_CREDENTIALS',
      ]);
    }
    expect(codes((await t.client.data<any>(RESET_BY_ANSWER, { e: a.email, a: 'blue', p: NEW_PASSWORD })).resetPasswordWithSecurityAnswer)).toEqual([
      'TOO_MANY_ATTEMPTS',
    ]);
  });
});

describe('email verification and the security level', () => {
  it('goes LOW → MEDIUM (verified email) → HIGH (and a question); changeEmail needs MEDIUM and makes the email unverified', async () => {
    const a = await registerUser(t.client);
    expect((await a.client.data<any>(ME)).viewer).toMatchObject({ emailVerified: false, securityLevel: 'LOW' });
    const newEmail = `moved-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const low = (await a.client.data<any>(CHANGE_EMAIL, { p: a.password, e: newEmail })).changeEmail;
    expect(low.userErrors).toEqual([{ field: null, code: 'SECURITY_LEVEL_TOO_LOW', message: expect.stringMatching(/verify your email.*security question/i) }]);

    expect((await a.client.data<any>(REQUEST_VERIFICATION)).requestEmailVerification).toBe(true);
    const mail = await smtp.next((m) => m.to === a.email && m.subject === 'Confirm your email address');
    expect(codes((await a.client.data<any>(VERIFY, { c: 'ZZZZ2222' })).verifyEmail)).toEqual(['INVALID_CODE']);
    const ok = (await a.client.data<any>(VERIFY, { c: codeIn(mail) })).verifyEmail;
    expect(ok).toEqual({ user: { id: a.userId, emailVerified: true, securityLevel: 'MEDIUM' }, userErrors: [] });
    expect((await a.client.data<any>(REQUEST_VERIFICATION)).requestEmailVerification).toBe(false);

    const q = (await a.client.data<any>(SET_QUESTION, { p: a.password, q: 'First street?', a: 'Elm' })).setSecurityQuestion;
    expect(q.user.securityLevel).toBe('HIGH');
    const moved = (await a.client.data<any>(CHANGE_EMAIL, { p: a.password, e: newEmail, a: 'elm' })).changeEmail;
    expect(moved.userErrors).toEqual([]);
    expect((await a.client.data<any>(ME)).viewer).toMatchObject({ email: newEmail, emailVerified: false, securityLevel: 'MEDIUM' });
  });

  it('does not take a code sent to the old address once the email changed', async () => {
    const a = await registerUser(t.client);
    await a.client.data(SET_QUESTION, { p: a.password, q: 'Pet?', a: 'Rex' });
    await a.client.data(REQUEST_VERIFICATION);
    const mail = await smtp.next((m) => m.to === a.email && m.subject === 'Confirm your email address');
    const newEmail = `n-${crypto.randomUUID().slice(0, 8)}@example.test`;
    expect((await a.client.data<any>(CHANGE_EMAIL, { p: a.password, e: newEmail, a: 'rex' })).changeEmail.userErrors).toEqual([]);
    expect(codes((await a.client.data<any>(VERIFY, { c: codeIn(mail) })).verifyEmail)).toEqual(['INVALID_CODE']);
  });
});

describe('when the SMTP server is down', () => {
  it('keeps the email queued (visible in the metrics) and delivers it once when the server is back', async () => {
    const a = await registerUser(t.client);
    await smtp.stop();
    try {
      expect((await t.client.data<any>(REQUEST_RESET, { e: a.email })).requestPasswordReset).toBe(true);
      const metrics = async () => {
        const res = await fetch(t.stack.urls.users.replace(/\/graphql$/, '/metrics'), { headers: { 'x-subgraph-secret': t.stack.secret } });
        expect(res.status).toBe(200);
        const text = await res.text();
        const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
        return { pending: value('mail_queue_pending'), failures: value('mail_send_failures_total'), sent: value('mail_sent_total') };
      };
      // tried and failed at least twice, still pending
      for (let m = await metrics(); !(m.failures >= 2 && m.pending >= 1); m = await metrics()) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await smtp.start();
    }
    const mail = await smtp.next((m) => m.to === a.email);
    expect(codes(await reset(a.email, codeIn(mail)))).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.all((m) => m.to === a.email)).toHaveLength(1);
  });
});
