import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Runs `npm start`'s entry point with env and resolves with its exit code and output. */
function runMain(env: Record<string, string>, timeoutMs = 80_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LOG_LEVEL: 'error', SEED: 'none', ...env },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('bad configuration stops the process with one clear line', { timeout: 90_000 }, () => {
  it('names a malformed DATABASE_URL', async () => {
    const r = await runMain({ DATABASE_URL: 'not a url' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['marketplace failed to start: DATABASE_URL is not a valid URL (expected postgres://user@host:port/database)']);
  });

  it('says when the database cannot be reached', async () => {
    const port = await freePort();
    const r = await runMain({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test` });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['marketplace failed to start: cannot reach the database (connection refused)']);
  });

  it('says which port is already in use', async () => {
    const blocker = net.createServer();
    const port: number = await new Promise((resolve) => blocker.listen(0, '0.0.0.0', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-port-'));
      const r = await runMain({ DATA_DIR: dataDir, USERS_PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`marketplace failed to start: users subgraph: port ${port} is already in use`]);
    } finally {
      blocker.close();
    }
  });

  it('rejects a malformed number', async () => {
    const r = await runMain({ ORDER_SWEEP_INTERVAL_MS: 'soon' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('marketplace failed to start: ORDER_SWEEP_INTERVAL_MS must be a whole number, got "soon"');
  });
});
