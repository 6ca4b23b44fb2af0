import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys } from '../../platform/auth.ts';
import { createDatabase, dropDatabase } from '../../platform/db.ts';
import { onPostgres } from '../helpers/stack.ts';
import { freePort, waitHealthy } from '../helpers/net.ts';
import { Processes, processEnv, root } from '../helpers/processes.ts';
const names = ['users', 'catalog', 'orders', 'messaging', 'promotions'] as const;

describe.skipIf(!onPostgres)('each subgraph and the gateway as separate processes (PostgreSQL)', () => {
  const procs = new Processes();
  const children = new Map<string, ChildProcess>();
  let dbName: string;
  let gatewayPort: number;
  let metricsPort: number;

  beforeAll(async () => {
    dbName = `mg_proc_${crypto.randomBytes(5).toString('hex')}`;
    const databaseUrl = await createDatabase(process.env.DATABASE_URL!, dbName);
    const keys = generateKeys();
    const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()])));
    gatewayPort = await freePort();
    metricsPort = await freePort();
    const env = processEnv({
      DATABASE_URL: databaseUrl,
      SUBGRAPH_SECRET: crypto.randomBytes(24).toString('base64url'),
      AUTH_PRIVATE_KEY: keys.privatePem!,
      PORT: String(gatewayPort),
      METRICS_PORT: String(metricsPort),
    });
    for (const n of names) {
      env[`${n.toUpperCase()}_PORT`] = String(ports[n]);
      env[`${n.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[n]}/graphql`;
    }
    // sequentially, so that concurrent first migrations are not the subject here
    for (const n of names) {
      children.set(n, procs.start(['subgraphs/index.ts', n], env));
      await procs.ready(children.get(n)!, `http://127.0.0.1:${ports[n]}/health`);
    }
    procs.start(['gateway/index.ts'], env);
  }, 120_000);

  afterAll(async () => {
    await procs.stop();
    if (dbName) await dropDatabase(process.env.DATABASE_URL!, dbName);
  });

  it('is healthy and answers through the gateway', async () => {
    const res = await waitHealthy(`http://127.0.0.1:${gatewayPort}/health`);
    expect(await res.json()).toEqual({ status: 'ok' });
    const q = await fetch(`http://127.0.0.1:${gatewayPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await q.json()).toEqual({ data: { __typename: 'Query' } });
    expect(procs.stderr).not.toMatch(/failed to start/);
  });

  it('serves /metrics on METRICS_PORT (127.0.0.1), not on the public port', async () => {
    await waitHealthy(`http://127.0.0.1:${gatewayPort}/health`);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE gateway_requests_total counter');
    expect((await fetch(`http://127.0.0.1:${gatewayPort}/metrics`)).status).toBe(404);
  });

  it('reports 503 naming the subgraph that is down', async () => {
    await procs.kill(children.get('messaging')!, 'SIGTERM');
    const res = await fetch(`http://127.0.0.1:${gatewayPort}/health`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.status).toBe('unavailable');
    expect(Object.keys(body.failing)).toEqual(['messaging']);
  });
});

describe('a subgraph alone without a database URL', () => {
  it('refuses to start, saying why', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/index.ts', 'users'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), SUBGRAPH_SECRET: 'a-long-enough-secret-value' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^users subgraph failed to start: DATABASE_URL must be set when a subgraph runs in its own process/);
  });
});
