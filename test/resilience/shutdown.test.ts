/**
 * Graceful shutdown: the gateway and a subgraph stop accepting, finish the
 * requests in flight, then close; none of those requests is lost.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { AuthVerifier } from '../../platform/auth.ts';
import { GraphQLClient } from '../helpers/client.ts';
import { createLogger } from '../../platform/log.ts';
import { startSubgraphServer } from '../../platform/server.ts';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, startExtraGateway } from '../helpers/gateway.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('graceful shutdown', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('of the gateway finishes every request in flight, then refuses new connections', async () => {
    const slow = await startDelayProxy(t.stack.urls.users, 2000);
    // identical requests: without de-duplication each is its own subgraph fetch in flight
    const g = await startExtraGateway(t, {
      urls: { users: slow.url },
      env: { SUBGRAPH_TIMEOUT_MS: '30000', SUBGRAPH_DEDUPLICATION: 'false' },
      drainTimeoutMs: 30_000,
    });
    try {
      const inFlight = Array.from({ length: 10 }, () => g.client.request('{ categories { id } viewer { id } }'));
      await until(() => slow.requests >= 10);
      expect(g.gateway.inFlight()).toBeGreaterThan(0);
      const closing = g.stop();
      const answers = await Promise.all(inFlight);
      for (const r of answers) {
        expect(r.status).toBe(200);
        expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
        expect(r.data).toMatchObject({ categories: expect.any(Array), viewer: null });
      }
      await closing;
      await expect(fetch(g.url, { method: 'POST' })).rejects.toThrow();
    } finally {
      await g.stop();
      await slow.close();
    }
  });

  it('on SIGTERM, of a gateway process in production, answers every request in flight and exits 0', async () => {
    const slow = await startDelayProxy(t.stack.urls.users, 1500);
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const urls = Object.fromEntries(Object.entries({ ...t.stack.urls, users: slow.url }).map(([n, u]) => [`${n.toUpperCase()}_URL`, u]));
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/index.ts'], {
      cwd: path.resolve(import.meta.dirname, '..', '..'),
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'error',
        HOST: '127.0.0.1',
        PORT: String(port),
        SUBGRAPH_SECRET: t.stack.secret,
        AUTH_PUBLIC_KEY: t.keys.publicPem,
        SUBGRAPH_TIMEOUT_MS: '30000',
        SUBGRAPH_DEDUPLICATION: 'false', // five identical requests, five fetches in flight
        ...urls,
      },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const client = new GraphQLClient(`http://127.0.0.1:${port}/graphql`);
      const startedBy = Date.now() + 60_000;
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
          () => true,
          () => false,
        );
        if (ok) break;
        if (Date.now() > startedBy || child.exitCode !== null) throw new Error(`gateway did not start: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const before = slow.requests;
      const inFlight = Array.from({ length: 5 }, () => client.request('{ viewer { id } }'));
      await until(() => slow.requests >= before + 5);
      child.kill('SIGTERM');
      for (const r of await Promise.all(inFlight)) {
        expect(r.status).toBe(200);
        expect(r.errors).toBeUndefined();
        expect(r.data).toEqual({ viewer: null });
      }
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await slow.close();
    }
  }, 120_000);

  it('of a subgraph finishes every request in flight and closes without waiting for idle keep-alive connections', async () => {
    const secret = t.stack.secret;
    let started = 0;
    const server = await startSubgraphServer(
      {
        typeDefs: parse('type Query { slow: Int }'),
        resolvers: {
          Query: {
            slow: () => {
              started++;
              return new Promise((resolve) => setTimeout(() => resolve(42), 500));
            },
          },
        },
        context: (base) => base,
      },
      { name: 'slowpoke', port: 0, host: '127.0.0.1', secret, verifier: new AuthVerifier(t.keys, 60), log: createLogger('silent') },
    );
    const ask = () =>
      fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-subgraph-secret': secret }, body: '{"query":"{ slow }"}' }).then(
        (r) => r.json(),
      );
    const inFlight = Array.from({ length: 5 }, ask);
    await until(() => started === 5);
    const closing = Date.now();
    await server.close();
    expect(Date.now() - closing).toBeLessThan(5000);
    for (const r of await Promise.all(inFlight)) expect(r).toEqual({ data: { slow: 42 } });
    await expect(ask()).rejects.toThrow();
  });
});
