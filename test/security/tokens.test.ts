/**
 * A request whose access token is refused (expired, garbage, signed with
 * another key, of a revoked session) is a guest's: public fields and the
 * sign-in mutations work; what needs a viewer answers UNAUTHENTICATED with
 * `extensions.reason` TOKEN_EXPIRED or TOKEN_INVALID, so a client knows to
 * refresh. The same at the gateway and at a subgraph called directly; on the
 * websocket such a token closes the socket (4401 / 4403) with the reason.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner, generateKeys } from '../../platform/auth.ts';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, eventually, subscribe } from '../helpers/subscriptions.ts';
import { algNoneToken, callSubgraph, expiredToken } from '../users/helpers.ts';

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken userErrors { code } } }`;
const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken userErrors { code } } }`;
const OPEN_STORE = `mutation { openStore(input: { name: "Never Opened" }) { store { id } userErrors { code } } }`;

/** What a client reads of an error to know what to do (besides the message; serviceName may come along). */
const codeAndReason = (e: { extensions?: Record<string, unknown> }) => ({ code: e.extensions?.code, reason: e.extensions?.reason });

let t: TestStack;
let person: Account;
beforeAll(async () => {
  t = await startTestStack();
  person = await registerUser(t.client);
}, 180_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

/** The refused tokens of each kind, with the reason a client must be given. */
async function refusedTokens(): Promise<{ what: string; header: string; reason: string }[]> {
  const foreign = (await new TokenSigner(generateKeys(), 600).sign({ userId: person.userId, sessionId: crypto.randomUUID(), roles: [] })).token;
  const revoked = await registerUser(t.client);
  expect(await revoked.client.data('mutation { logout }')).toEqual({ logout: true });
  return [
    { what: 'expired', header: `Bearer ${await expiredToken(t.keys.privatePem!, person.userId)}`, reason: 'TOKEN_EXPIRED' },
    { what: 'garbage', header: 'Bearer garbage', reason: 'TOKEN_INVALID' },
    { what: 'not a bearer token', header: 'Basic dXNlcjpwYXNz', reason: 'TOKEN_INVALID' },
    { what: 'another key', header: `Bearer ${foreign}`, reason: 'TOKEN_INVALID' },
    { what: 'alg none', header: `Bearer ${algNoneToken(person.userId)}`, reason: 'TOKEN_INVALID' },
    { what: 'a revoked session', header: `Bearer ${revoked.token}`, reason: 'TOKEN_INVALID' },
  ];
}

describe('a refused access token over HTTP', () => {
  it('still serves public fields, login and refreshSession as for a guest, through the gateway', async () => {
    for (const { what, header } of await refusedTokens()) {
      const client = t.client.withHeaders({ authorization: header });
      const pub = await client.request('{ categories { id } searchProducts(first: 1) { edges { node { id } } } }');
      expect(pub.errors, what).toBeUndefined();
      expect(pub.data?.categories, what).toEqual(expect.any(Array));
      const login = await client.request(LOGIN, { email: person.email, password: person.password });
      expect(login.errors, what).toBeUndefined();
      expect(login.data?.login.accessToken, what).toEqual(expect.any(String));
      const refreshed = await client.request(REFRESH, { t: login.data!.login.refreshToken });
      expect(refreshed.errors, what).toBeUndefined();
      expect(refreshed.data?.refreshSession.accessToken, what).toEqual(expect.any(String));
    }
  });

  it('answers what needs a viewer with UNAUTHENTICATED and the reason, through the gateway', async () => {
    for (const { what, header, reason } of await refusedTokens()) {
      const client = t.client.withHeaders({ authorization: header });
      const viewer = await client.request('{ viewer { id } }');
      expect(viewer.data?.viewer ?? null, what).toBeNull();
      expect(viewer.errors?.map(codeAndReason), what).toEqual([{ code: 'UNAUTHENTICATED', reason }]);
      const open = await client.request(OPEN_STORE);
      expect(open.errors?.map(codeAndReason), what).toEqual([{ code: 'UNAUTHENTICATED', reason }]);
      // beside a public field in the same request: that part answers
      const mixed = await client.request('{ categories { id } viewer { id } }');
      expect(mixed.data?.categories, what).toEqual(expect.any(Array));
      expect(mixed.errors?.map(codeAndReason), what).toEqual([{ code: 'UNAUTHENTICATED', reason }]);
      expect(JSON.stringify(mixed)).not.toMatch(/stack|\.ts:\d/);
    }
  });

  it('is treated alike by a subgraph called directly: public fields answer, what needs a viewer says why', async () => {
    for (const { what, header, reason } of await refusedTokens()) {
      const auth = { authorization: header };
      const pub = await callSubgraph(t.stack.urls.catalog, t.stack.secret, '{ categories { id } }', undefined, auth);
      expect(pub.errors, what).toBeUndefined();
      const open = await callSubgraph(t.stack.urls.catalog, t.stack.secret, OPEN_STORE, undefined, auth);
      expect(open.errors?.map(codeAndReason), what).toEqual([{ code: 'UNAUTHENTICATED', reason }]);
      const viewer = await callSubgraph(t.stack.urls.users, t.stack.secret, '{ viewer { id } }', undefined, auth);
      expect(viewer.errors?.map(codeAndReason), what).toEqual([{ code: 'UNAUTHENTICATED', reason }]);
    }
  });

  it('leaves a request without a token a guest without errors, and a good token the viewer', async () => {
    expect(await t.client.request('{ viewer { id } }')).toMatchObject({ data: { viewer: null } });
    expect((await t.client.request('{ viewer { id } }')).errors).toBeUndefined();
    expect(await person.client.data('{ viewer { id } }')).toEqual({ viewer: { id: person.userId } });
  });
});

describe('a refused access token on the websocket', () => {
  it('closes the socket at connection_init: 4401 "Token expired", 4401 "Token invalid", 4403 "Session revoked"', async () => {
    const expected: Record<string, { code: number; reason: string }> = {
      expired: { code: 4401, reason: 'Token expired' },
      garbage: { code: 4401, reason: 'Token invalid' },
      'another key': { code: 4401, reason: 'Token invalid' },
      'a revoked session': { code: 4403, reason: 'Session revoked' },
    };
    for (const { what, header } of await refusedTokens()) {
      if (!expected[what]) continue;
      const ws = connect(t, header.replace(/^Bearer /, ''));
      const sub = subscribe(ws, 'subscription { messageAdded { id } }');
      await sub.ended();
      await eventually(() => ws.closes.length > 0, 5_000, 'the socket to close');
      expect(ws.closes[0], what).toEqual(expected[what]);
      await ws.dispose();
    }
  });

  it('is refused by a subgraph subscribed to directly with UNAUTHENTICATED and the reason', async () => {
    const expired = await expiredToken(t.keys.privatePem!, person.userId);
    const { createClient } = await import('graphql-ws');
    const WebSocket = (await import('ws')).default;
    const Secret = class extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { headers: { 'x-subgraph-secret': t.stack.secret } });
      }
    };
    const client = createClient({
      url: t.stack.urls.messaging.replace(/^http/, 'ws'),
      webSocketImpl: Secret,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${expired}` },
    });
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { messageAdded { id } }' }, { next: () => {}, error: resolve, complete: () => resolve(undefined) });
    });
    expect(error).toEqual([
      expect.objectContaining({ message: 'The access token has expired.', extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' } }),
    ]);
    await client.dispose();
  });
});
