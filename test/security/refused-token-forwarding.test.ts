/**
 * A token the gateway refused (revoked, expired, garbage) never reaches a
 * subgraph: the gateway sends the reason instead (`x-token-refused`), and the
 * subgraph makes a guest with that reason without verifying anything. So a
 * subgraph that has not yet learnt of a revocation (its event pump lags, its
 * database is behind a relay) cannot accept the signed-out session's token
 * and answer with the person's data.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_REFUSED_HEADER } from '../../platform/protocol.ts';
import { registerUser } from '../helpers/accounts.ts';
import { AuthVerifier } from '../../platform/auth.ts';
import { createLogger } from '../../platform/log.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { GraphQLClient } from '../helpers/client.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually } from '../helpers/subscriptions.ts';
import { callSubgraph, expiredToken } from '../users/helpers.ts';

const codeAndReason = (e: { extensions?: Record<string, unknown> }) => ({ code: e.extensions?.code, reason: e.extensions?.reason });

/** A pass-through proxy in front of one subgraph that records the headers of every request. */
async function startRecordingProxy(target: string) {
  const t = new URL(target);
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: { ...req.headers, host: t.host } }, (upRes) => {
        const body: Buffer[] = [];
        upRes.on('data', (c: Buffer) => body.push(c));
        upRes.on('end', () => res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(Buffer.concat(body)));
      });
      up.on('error', () => res.destroyed || res.writeHead(502).end());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

let t: TestStack;
let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
let gateway: { client: GraphQLClient; running: RunningGateway };
let verifier: AuthVerifier;
beforeAll(async () => {
  t = await startTestStack();
  proxy = await startRecordingProxy(t.stack.urls.users);
  // a second gateway whose users subgraph is reached through the proxy; its verifier learns
  // revocations from the event bus, as the stack's does
  verifier = new AuthVerifier(t.keys, t.config.accessTokenTtlS);
  await verifier.attach(t.stack.bus);
  const running = await startGateway({
    port: 0,
    host: '127.0.0.1',
    production: false,
    urls: { ...t.stack.urls, users: proxy.url },
    secret: t.stack.secret,
    verifier,
    log: createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent'),
    env: { NODE_ENV: 'test' },
    metricsPort: 0,
  });
  gateway = { running, client: new GraphQLClient(running.url) };
}, 180_000);
afterAll(async () => {
  await gateway?.running.close();
  verifier?.detach();
  await proxy?.close();
  await t?.stop();
}, 60_000);

describe('a token the gateway refused', () => {
  it('is not sent on to the subgraphs: they get the reason instead, and what needs a viewer answers UNAUTHENTICATED while public fields work', async () => {
    const person = await registerUser(gateway.client);
    const signedIn = await gateway.client.as(person.token).data('{ viewer { id } }');
    expect(signedIn.viewer.id).toBe(person.userId);
    expect(await gateway.client.as(person.token).data('mutation { logout }')).toEqual({ logout: true });
    await eventually(async () => (await verifier.authenticate(`Bearer ${person.token}`)).revoked === true, 10_000, 'the gateway to learn of the sign-out');

    const cases = [
      { what: 'a signed-out session', header: `Bearer ${person.token}`, reason: 'TOKEN_INVALID' },
      { what: 'an expired token', header: `Bearer ${await expiredToken(t.keys.privatePem!, person.userId)}`, reason: 'TOKEN_EXPIRED' },
      { what: 'garbage', header: 'Bearer garbage', reason: 'TOKEN_INVALID' },
    ];
    for (const { what, header, reason } of cases) {
      proxy.seen.length = 0;
      const answer = await gateway.client.withHeaders({ authorization: header }).request('{ categories { id } viewer { id email } }');
      expect(answer.data?.categories, what).toEqual(expect.any(Array));
      expect(answer.data?.viewer ?? null, what).toBeNull();
      expect(answer.errors?.map(codeAndReason), what).toEqual([{ code: 'UNAUTHENTICATED', reason }]);
      expect(proxy.seen.length, what).toBeGreaterThan(0);
      for (const headers of proxy.seen) {
        expect(headers.authorization, what).toBeUndefined();
        expect(headers[TOKEN_REFUSED_HEADER], what).toBe(reason);
      }
    }
  });

  it('makes a guest with the given reason at a subgraph, even beside a token the subgraph would accept', async () => {
    // a subgraph that has not learnt of a revocation yet would still accept the session's token:
    // with the gateway's reason it does not even look at it
    const person = await registerUser(t.client);
    const direct = await callSubgraph(t.stack.urls.users, t.stack.secret, '{ viewer { id } }', person.token, { [TOKEN_REFUSED_HEADER]: 'TOKEN_INVALID' });
    expect(direct.data?.viewer ?? null).toBeNull();
    expect(direct.errors?.map(codeAndReason)).toEqual([{ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' }]);
    // without the header a direct caller is verified as before
    const verified = await callSubgraph(t.stack.urls.users, t.stack.secret, '{ viewer { id } }', person.token);
    expect(verified.data?.viewer.id).toBe(person.userId);
  });
});
