import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner, generateKeys } from '../../platform/auth.ts';
import { registerUser } from '../helpers/accounts.ts';
import { STACK_START_TIMEOUT_MS } from './helpers.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { CHANGE_PASSWORD, LOGIN, LOGOUT, NEEDS_VIEWER, REFRESH, REGISTER, VIEWER, algNoneToken, callSubgraph, codeOf, expiredToken } from './helpers.ts';

describe('accounts and sessions', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  describe('register', () => {
    it('creates an account, signs it in and shows it as the viewer', async () => {
      const r = await t.client.data(REGISTER, { input: { email: '  Grace@Example.TEST ', password: 'Secret-Pass-123', fullName: ' Grace Hopper ' } });
      expect(r.register.userErrors).toEqual([]);
      expect(r.register.accessToken).toEqual(expect.any(String));
      expect(r.register.refreshToken).toEqual(expect.any(String));
      expect(r.register.viewer).toMatchObject({ email: 'grace@example.test', fullName: 'Grace Hopper', shippingAddresses: [], hasSecurityQuestion: false });
      const v = await t.client.as(r.register.accessToken).data(VIEWER);
      expect(v.viewer.id).toBe(r.register.viewer.id);
    });

    it('refuses an email already taken, whatever its case, with EMAIL_TAKEN', async () => {
      const a = await registerUser(t.client);
      const r = await t.client.data(REGISTER, { input: { email: a.email.toUpperCase(), password: 'another-password', fullName: 'Copy Cat' } });
      expect(r.register).toMatchObject({ accessToken: null, viewer: null });
      expect(r.register.userErrors).toEqual([expect.objectContaining({ code: 'EMAIL_TAKEN', field: ['input', 'email'] })]);
    });

    it.each([
      ['a malformed email', { email: 'not-an-email' }, 'INVALID_INPUT', 'email'],
      ['an email over 254 characters', { email: `${'a'.repeat(60)}@${'b'.repeat(200)}.test` }, 'INVALID_INPUT', 'email'],
      ['a short password', { password: 'short' }, 'WEAK_PASSWORD', 'password'],
      ['a password over 200 characters', { password: 'x'.repeat(201) }, 'INVALID_INPUT', 'password'],
      ['an empty name', { fullName: '   ' }, 'INVALID_INPUT', 'fullName'],
      ['a name over 100 characters', { fullName: 'n'.repeat(101) }, 'INVALID_INPUT', 'fullName'],
    ])('refuses %s and creates nothing', async (_what, override, code, field) => {
      const input = { email: `ok-${Math.random().toString(36).slice(2)}@example.test`, password: 'long-enough-pw', fullName: 'Somebody', ...override };
      const r = await t.client.data(REGISTER, { input });
      expect(r.register.userErrors).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
      expect(r.register.accessToken).toBeNull();
      if (code !== 'INVALID_INPUT' || field !== 'email') {
        const l = await t.client.data(LOGIN, { email: input.email, password: input.password });
        expect(l.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      }
    });
  });

  describe('login', () => {
    it('signs in with the right password, case-insensitively on the email', async () => {
      const a = await registerUser(t.client);
      const r = await t.client.data(LOGIN, { email: a.email.toUpperCase(), password: a.password });
      expect(r.login.userErrors).toEqual([]);
      expect(r.login.viewer.id).toBe(a.userId);
    });

    it('refuses a wrong password and an unknown email alike, with INVALID_CREDENTIALS', async () => {
      const a = await registerUser(t.client);
      const wrong = await t.client.data(LOGIN, { email: a.email, password: 'wrong-password' });
      const unknown = await t.client.data(LOGIN, { email: 'nobody-here@example.test', password: 'wrong-password' });
      expect(wrong.login.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CREDENTIALS' })]);
      expect(unknown.login.userErrors).toEqual(wrong.login.userErrors);
      expect(wrong.login.accessToken).toBeNull();
    });

    it('answers an unknown email exactly as a wrong password, revealing nothing about which accounts exist', async () => {
      // (both run one scrypt verification, against a dummy hash for an unknown
      // email; timing is a measurement for bench/, not a test assertion)
      const a = await registerUser(t.client);
      const known = await t.client.data(LOGIN, { email: a.email, password: 'wrong-password' });
      const unknown = await t.client.data(LOGIN, { email: `nobody-${Math.random()}@example.test`, password: 'wrong-password' });
      expect(unknown).toEqual(known);
      expect(known.login.userErrors.map((e: { code: string }) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    });

    it('refuses an account after five failures with TOO_MANY_ATTEMPTS, even with the right password, until the window passes', async () => {
      const a = await registerUser(t.client);
      for (let i = 0; i < 5; i++) {
        const r = await t.client.data(LOGIN, { email: a.email, password: 'wrong-password' });
        expect(r.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      }
      const blocked = await t.client.data(LOGIN, { email: a.email, password: a.password });
      expect(blocked.login.userErrors).toEqual([expect.objectContaining({ code: 'TOO_MANY_ATTEMPTS' })]);
      t.clock.advance(15 * 60 + 1);
      const after = await t.client.data(LOGIN, { email: a.email, password: a.password });
      expect(after.login.userErrors).toEqual([]);
    });

    it('throttles a client address (x-client-ip) across accounts', async () => {
      const ip = { 'x-client-ip': '203.0.113.7' };
      const login = (email: string, password: string) =>
        callSubgraph(
          t.stack.urls.users,
          t.stack.secret,
          `mutation { login(email: ${JSON.stringify(email)}, password: ${JSON.stringify(password)}) { accessToken userErrors { code } } }`,
          undefined,
          ip,
        );
      for (let i = 0; i < 20; i++) {
        const r = await login(`spray-${i}@example.test`, 'guessed-password');
        expect(r.data.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      }
      const a = await registerUser(t.client);
      const blocked = await login(a.email, a.password);
      expect(blocked.data.login.userErrors[0].code).toBe('TOO_MANY_ATTEMPTS');
      const elsewhere = await callSubgraph(
        t.stack.urls.users,
        t.stack.secret,
        `mutation { login(email: ${JSON.stringify(a.email)}, password: ${JSON.stringify(a.password)}) { accessToken userErrors { code } } }`,
        undefined,
        { 'x-client-ip': '198.51.100.1' },
      );
      expect(elsewhere.data.login.userErrors).toEqual([]);
      t.clock.advance(15 * 60 + 1);
    });
  });

  describe('refreshSession', () => {
    it('returns a new access and refresh token for the same session, and the old refresh token stops working', async () => {
      const a = await registerUser(t.client);
      const r1 = await t.client.data(REFRESH, { t: a.refreshToken });
      expect(r1.refreshSession.userErrors).toEqual([]);
      expect(r1.refreshSession.refreshToken).not.toBe(a.refreshToken);
      expect(r1.refreshSession.viewer.id).toBe(a.userId);
      const v = await t.client.as(r1.refreshSession.accessToken).data(VIEWER);
      expect(v.viewer.id).toBe(a.userId);
      const r2 = await t.client.data(REFRESH, { t: r1.refreshSession.refreshToken });
      expect(r2.refreshSession.userErrors).toEqual([]);
    });

    it('refuses a refresh token used a second time and ends that whole session', async () => {
      const a = await registerUser(t.client);
      const r1 = await t.client.data(REFRESH, { t: a.refreshToken });
      const newest = r1.refreshSession;
      const reuse = await t.client.data(REFRESH, { t: a.refreshToken });
      expect(reuse.refreshSession.accessToken).toBeNull();
      expect(reuse.refreshSession.userErrors).toEqual([expect.objectContaining({ code: 'REFRESH_TOKEN_REUSED' })]);
      // the thief's and the owner's tokens of that session are dead
      const v = await t.client.as(newest.accessToken).request(VIEWER);
      expect(codeOf(v)).toBe('UNAUTHENTICATED');
      const again = await t.client.data(REFRESH, { t: newest.refreshToken });
      expect(again.refreshSession.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      // other sessions of the person live on
      const other = await t.client.data(LOGIN, { email: a.email, password: a.password });
      expect(other.login.userErrors).toEqual([]);
    });

    it('refuses an unknown or expired refresh token with INVALID_CREDENTIALS', async () => {
      const garbage = await t.client.data(REFRESH, { t: 'not-a-refresh-token' });
      expect(garbage.refreshSession.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      const a = await registerUser(t.client);
      t.clock.advance(t.config.refreshTokenTtlS + 1);
      const expired = await t.client.data(REFRESH, { t: a.refreshToken });
      expect(expired.refreshSession.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    });
  });

  describe('tokens', () => {
    it('treats a request without a token as a guest: viewer is null', async () => {
      expect(await t.client.data(VIEWER)).toEqual({ viewer: null });
    });

    it('refuses garbage, expired, foreign-key and alg:none tokens with UNAUTHENTICATED', async () => {
      const a = await registerUser(t.client);
      const foreign = (await new TokenSigner(generateKeys(), 600).sign({ userId: a.userId, sessionId: crypto.randomUUID(), roles: [] })).token;
      const tokens = ['garbage', 'a.b.c', await expiredToken(t.keys.privatePem!, a.userId), foreign, algNoneToken(a.userId)];
      for (const token of tokens) {
        const viaGateway = await t.client.as(token).request(VIEWER);
        expect(codeOf(viaGateway), token).toBe('UNAUTHENTICATED');
        expect(viaGateway.data?.viewer ?? null).toBeNull();
        const direct = await callSubgraph(t.stack.urls.users, t.stack.secret, '{ viewer { id email } }', token);
        expect(codeOf(direct), token).toBe('UNAUTHENTICATED');
      }
    });

    it("answers another person's User reference with null on a direct _entities call", async () => {
      const a = await registerUser(t.client);
      const b = await registerUser(t.client);
      const q = `{ _entities(representations: [{ __typename: "User", id: "${b.userId}" }, { __typename: "User", id: "${a.userId}" }]) { ... on User { id email } } }`;
      const r = await callSubgraph(t.stack.urls.users, t.stack.secret, q, a.token);
      expect(r.data._entities).toEqual([null, { id: a.userId, email: a.email }]);
      const guest = await callSubgraph(t.stack.urls.users, t.stack.secret, q);
      expect(guest.data._entities).toEqual([null, null]);
    });
  });

  describe('logout', () => {
    it('ends this session at once, at the gateway and at every subgraph called directly', async () => {
      const a = await registerUser(t.client);
      const other = await t.client.data(LOGIN, { email: a.email, password: a.password });
      expect(await a.client.data(LOGOUT)).toEqual({ logout: true });
      expect(codeOf(await a.client.request(VIEWER))).toBe('UNAUTHENTICATED');
      for (const name of ['users', 'catalog', 'orders', 'messaging', 'promotions'] as const) {
        const direct = await callSubgraph(t.stack.urls[name], t.stack.secret, NEEDS_VIEWER[name], a.token);
        expect(codeOf(direct), name).toBe('UNAUTHENTICATED');
        expect(direct.errors?.[0].extensions, name).toMatchObject({ reason: 'TOKEN_INVALID' });
      }
      const refresh = await t.client.data(REFRESH, { t: a.refreshToken });
      expect(refresh.refreshSession.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      // the person's other session is untouched
      const v = await t.client.as(other.login.accessToken).data(VIEWER);
      expect(v.viewer.id).toBe(a.userId);
    });

    it('needs a signed-in caller', async () => {
      expect(codeOf(await t.client.request(LOGOUT))).toBe('UNAUTHENTICATED');
    });
  });

  describe('changePassword', () => {
    it('changes the password, keeps this session and ends every other one', async () => {
      const a = await registerUser(t.client);
      const other = await t.client.data(LOGIN, { email: a.email, password: a.password });
      const r = await a.client.data(CHANGE_PASSWORD, { c: a.password, n: 'a-Much-Better-Password-42' });
      expect(r.changePassword.userErrors).toEqual([]);
      // a password alone is security level LOW, however strong (docs/users.md)
      expect(r.changePassword.viewer.securityLevel).toBe('LOW');
      expect((await a.client.data(VIEWER)).viewer.id).toBe(a.userId);
      expect((await t.client.as(r.changePassword.accessToken).data(VIEWER)).viewer.id).toBe(a.userId);
      expect(codeOf(await t.client.as(other.login.accessToken).request(VIEWER))).toBe('UNAUTHENTICATED');
      const direct = await callSubgraph(t.stack.urls.catalog, t.stack.secret, NEEDS_VIEWER.catalog, other.login.accessToken);
      expect(codeOf(direct)).toBe('UNAUTHENTICATED');
      const refresh = await t.client.data(REFRESH, { t: other.login.refreshToken });
      expect(refresh.refreshSession.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      const oldPw = await t.client.data(LOGIN, { email: a.email, password: a.password });
      expect(oldPw.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      const newPw = await t.client.data(LOGIN, { email: a.email, password: 'a-Much-Better-Password-42' });
      expect(newPw.login.userErrors).toEqual([]);
    });

    it('refuses a wrong current password (INVALID_CREDENTIALS) and a weak new one (WEAK_PASSWORD), changing nothing', async () => {
      const a = await registerUser(t.client);
      const wrong = await a.client.data(CHANGE_PASSWORD, { c: 'not-my-password', n: 'new-long-password' });
      expect(wrong.changePassword.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CREDENTIALS', field: ['currentPassword'] })]);
      const weak = await a.client.data(CHANGE_PASSWORD, { c: a.password, n: 'short' });
      expect(weak.changePassword.userErrors).toEqual([expect.objectContaining({ code: 'WEAK_PASSWORD', field: ['newPassword'] })]);
      const still = await t.client.data(LOGIN, { email: a.email, password: a.password });
      expect(still.login.userErrors).toEqual([]);
    });
  });
});
