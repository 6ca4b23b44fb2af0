/**
 * Sign-in throttling: at most 5 password checks that fail per account and 20 per
 * client address in a 15-minute window, counted BEFORE the password is checked
 * (so concurrent guesses cannot all slip through), shared by login and by the
 * password checks after sign-in (changePassword, changeEmail,
 * setSecurityQuestion, deactivateAccount).
 *
 * Through the gateway every request of this file comes from 127.0.0.1, which
 * the gateway forwards as the client's address: each test starts a fresh
 * window (the stack's clock moves past the last one) so that the per-address
 * count of one test does not spill into the next.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { CHANGE_EMAIL, CHANGE_PASSWORD, DEACTIVATE, LOGIN, markEmailVerified, SET_QUESTION, STACK_START_TIMEOUT_MS, VIEWER } from './helpers.ts';

const WINDOW_S = 15 * 60;
const PER_ACCOUNT = 5;
const PER_ADDRESS = 20;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
}, STACK_START_TIMEOUT_MS);
afterAll(async () => {
  await t?.stop();
});
beforeEach(() => {
  t.clock.advance(WINDOW_S + 1);
});

const codes = (userErrors: { code: string }[]) => userErrors.map((e) => e.code);
const tally = (all: string[][]) => {
  const out: Record<string, number> = {};
  for (const c of all) out[c.join(',') || 'OK'] = (out[c.join(',') || 'OK'] ?? 0) + 1;
  return out;
};

const login = async (email: string, password: string) => codes((await t.client.data<any>(LOGIN, { email, password })).login.userErrors);

/** Each password check after sign-in, with a given password; returns its userErrors codes. */
const checks: Record<string, (a: Account, password: string) => Promise<string[]>> = {
  changePassword: async (a, password) =>
    codes((await a.client.data<any>(CHANGE_PASSWORD, { c: password, n: 'a-brand-new-Password-1' })).changePassword.userErrors),
  changeEmail: async (a, password) => {
    // changeEmail needs security level MEDIUM: a verified email (not a question, which would be another password check)
    await markEmailVerified(t, a.userId);
    return codes((await a.client.data<any>(CHANGE_EMAIL, { p: password, e: `moved-${crypto.randomUUID().slice(0, 8)}@example.test` })).changeEmail.userErrors);
  },
  setSecurityQuestion: async (a, password) =>
    codes((await a.client.data<any>(SET_QUESTION, { p: password, q: 'First pet?', a: 'Rex' })).setSecurityQuestion.userErrors),
  deactivateAccount: async (a, password) => codes((await a.client.data<any>(DEACTIVATE, { p: password, e: a.email, r: null })).deactivateAccount.userErrors),
};

describe('sign-in throttling', () => {
  it.skipIf(!onPostgres)(
    'checks at most five of 31 concurrent wrong passwords for one account; the others are TOO_MANY_ATTEMPTS, and so is the right password until the window passes (PostgreSQL only)',
    async () => {
      const a = await registerUser(t.client);
      const answers = await Promise.all(Array.from({ length: 31 }, () => login(a.email, 'wrong-password')));
      const counted = tally(answers);
      // every guess is counted before its check: exactly the limit get checked (and fail)
      expect(counted).toEqual({ INVALID_CREDENTIALS: PER_ACCOUNT, TOO_MANY_ATTEMPTS: 31 - PER_ACCOUNT });
      expect(await login(a.email, a.password)).toEqual(['TOO_MANY_ATTEMPTS']);
      t.clock.advance(WINDOW_S + 1);
      expect(await login(a.email, a.password)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!onPostgres)(
    'checks at most twenty of 31 concurrent wrong sign-ins from one client address across accounts; the others are TOO_MANY_ATTEMPTS (PostgreSQL only)',
    async () => {
      const a = await registerUser(t.client);
      const answers = await Promise.all(
        Array.from({ length: 31 }, (_, i) => login(`spray-${i}-${crypto.randomUUID().slice(0, 6)}@example.test`, 'guessed-password')),
      );
      const counted = tally(answers);
      expect(counted).toEqual({ INVALID_CREDENTIALS: PER_ADDRESS, TOO_MANY_ATTEMPTS: 31 - PER_ADDRESS });
      // the address is blocked for every account, even with the right password
      expect(await login(a.email, a.password)).toEqual(['TOO_MANY_ATTEMPTS']);
      t.clock.advance(WINDOW_S + 1);
      expect(await login(a.email, a.password)).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!onPostgres)(
    'checks at most five of 31 concurrent wrong passwords at changePassword with one access token (PostgreSQL only)',
    async () => {
      const a = await registerUser(t.client);
      const answers = await Promise.all(Array.from({ length: 31 }, () => checks.changePassword(a, 'wrong-password')));
      const counted = tally(answers);
      // every guess is counted before its check: exactly the limit get checked (and fail)
      expect(counted).toEqual({ INVALID_CREDENTIALS: PER_ACCOUNT, TOO_MANY_ATTEMPTS: 31 - PER_ACCOUNT });
      expect(await checks.changePassword(a, a.password)).toEqual(['TOO_MANY_ATTEMPTS']);
    },
    120_000,
  );

  it.skipIf(!onPostgres)(
    'lets one person sign in on ten devices at once: checks still running are not failures, so the sixth waits for them instead of being refused (PostgreSQL only)',
    async () => {
      const a = await registerUser(t.client);
      const answers = await Promise.all(Array.from({ length: 10 }, () => login(a.email, a.password)));
      expect(tally(answers)).toEqual({ OK: 10 });
    },
    120_000,
  );

  it.each(Object.keys(checks))(
    '%s: after five wrong passwords the sixth is TOO_MANY_ATTEMPTS even when right, and changes nothing until the window passes',
    async (name) => {
      const check = checks[name];
      const a = await registerUser(t.client);
      for (let i = 0; i < PER_ACCOUNT; i++) expect(await check(a, `wrong-password-${i}`)).toEqual(['INVALID_CREDENTIALS']);
      expect(await check(a, a.password)).toEqual(['TOO_MANY_ATTEMPTS']);
      // nothing changed: the account is as registered
      const before = (await a.client.data<any>(VIEWER)).viewer;
      expect(before).toMatchObject({ id: a.userId, email: a.email, hasSecurityQuestion: false });
      t.clock.advance(WINDOW_S + 1);
      expect(await check(a, a.password)).toEqual([]);
    },
    60_000,
  );

  it('shares one counter per account between login and the checks after sign-in', async () => {
    const a = await registerUser(t.client);
    for (let i = 0; i < 3; i++) expect(await login(a.email, 'wrong-password')).toEqual(['INVALID_CREDENTIALS']);
    for (let i = 0; i < 2; i++) expect(await checks.setSecurityQuestion(a, 'wrong-password')).toEqual(['INVALID_CREDENTIALS']);
    expect(await checks.changePassword(a, a.password)).toEqual(['TOO_MANY_ATTEMPTS']);
    expect(await login(a.email, a.password)).toEqual(['TOO_MANY_ATTEMPTS']);
  });

  it('counts a wrong security answer at changeEmail as a failed attempt', async () => {
    const a = await registerUser(t.client);
    expect(await checks.setSecurityQuestion(a, a.password)).toEqual([]);
    for (let i = 0; i < PER_ACCOUNT; i++) {
      const r = await a.client.data<any>(CHANGE_EMAIL, { p: a.password, e: `x-${i}-${crypto.randomUUID().slice(0, 6)}@example.test`, a: `wrong ${i}` });
      expect(r.changeEmail.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CREDENTIALS', field: ['securityAnswer'] })]);
    }
    const right = await a.client.data<any>(CHANGE_EMAIL, { p: a.password, e: `y-${crypto.randomUUID().slice(0, 6)}@example.test`, a: 'rex' });
    expect(codes(right.changeEmail.userErrors)).toEqual(['TOO_MANY_ATTEMPTS']);
    expect((await a.client.data<any>(VIEWER)).viewer.email).toBe(a.email);
  });

  it('clears the account count on a right password, so a person who mistypes now and then is never locked out', async () => {
    const a = await registerUser(t.client);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < PER_ACCOUNT - 1; i++) expect(await login(a.email, 'mistyped-password')).toEqual(['INVALID_CREDENTIALS']);
      expect(await login(a.email, a.password)).toEqual([]);
    }
  });

  it('does not count a refused input (a weak new password) as an attempt', async () => {
    const a = await registerUser(t.client);
    for (let i = 0; i < PER_ACCOUNT + 1; i++) {
      const r = await a.client.data<any>(CHANGE_PASSWORD, { c: 'wrong-password', n: 'short' });
      expect(codes(r.changePassword.userErrors)).toEqual(['WEAK_PASSWORD']);
    }
    expect(await login(a.email, a.password)).toEqual([]);
  });
});
