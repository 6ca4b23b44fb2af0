import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, start, waitFor, type Running } from './processes.ts';

const KEY_HINT = '(expected an Ed25519 key in PKCS#8 PEM, as made by: openssl genpkey -algorithm ed25519)';
const secret = 'a-subgraph-secret-of-enough-length';
const anyDatabase = 'postgres://postgres@127.0.0.1:5432/never_reached';

function ed25519Pem(): string {
  return crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

describe('a malformed signing key stops the process with one line naming the variable', { timeout: 120_000 }, () => {
  it('npm start refuses a garbage AUTH_PRIVATE_KEY', async () => {
    const p = start(['main.ts'], { AUTH_PRIVATE_KEY: 'garbage', LOG_LEVEL: 'error' });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual([`marketplace failed to start: AUTH_PRIVATE_KEY is not a PEM private key ${KEY_HINT}`]);
  });

  it('a subgraph in its own process refuses a PEM cut in half', async () => {
    const pem = ed25519Pem();
    const p = start(['subgraphs/index.ts', 'users'], {
      AUTH_PRIVATE_KEY: pem.slice(0, pem.length / 2),
      SUBGRAPH_SECRET: secret,
      DATABASE_URL: anyDatabase,
    });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual([`users subgraph failed to start: AUTH_PRIVATE_KEY is not a PEM private key ${KEY_HINT}`]);
  });

  it('the gateway refuses a key that is not Ed25519', async () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const p = start(['gateway/index.ts'], { AUTH_PRIVATE_KEY: rsa, SUBGRAPH_SECRET: secret });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual(['gateway failed to start: AUTH_PRIVATE_KEY must be an Ed25519 key, got rsa']);
  });

  it('names AUTH_PUBLIC_KEY when the verifying key is garbage', async () => {
    const p = start(['gateway/index.ts'], { AUTH_PUBLIC_KEY: 'not a key', SUBGRAPH_SECRET: secret });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual(['gateway failed to start: AUTH_PUBLIC_KEY is not a PEM public key (expected an Ed25519 key in SPKI PEM)']);
  });

  it('names AUTH_PRIVATE_KEY_FILE when the key file is missing', async () => {
    const missing = path.join(os.tmpdir(), `mg-no-such-key-${process.pid}.pem`);
    const p = start(['main.ts'], { AUTH_PRIVATE_KEY_FILE: missing, LOG_LEVEL: 'error' });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual([`marketplace failed to start: AUTH_PRIVATE_KEY_FILE cannot be read (ENOENT): ${missing}`]);
  });
});

describe('the signing key can come from a file (AUTH_PRIVATE_KEY_FILE)', { timeout: 150_000 }, () => {
  it('signs the tokens a buyer signs in with, and the gateway accepts them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-keyfile-'));
    const keyFile = path.join(dir, 'auth-ed25519.pem');
    const pem = ed25519Pem();
    fs.writeFileSync(keyFile, pem, { mode: 0o600 });
    // the whole stack in one process on free ports; a port another test took between freePort and
    // the listen makes the process stop with "port … is already in use": then again on other ports
    let port = 0;
    let p: Running | undefined;
    for (let attempt = 1; !p; attempt++) {
      port = await freePort();
      const ports = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
      const env: Record<string, string> = {
        AUTH_PRIVATE_KEY_FILE: keyFile,
        DATA_DIR: path.join(dir, `data-${attempt}`),
        SEED: 'demo',
        PORT: String(port),
        HOST: '127.0.0.1',
      };
      ['USERS', 'CATALOG', 'ORDERS', 'MESSAGING', 'PROMOTIONS'].forEach((n, i) => (env[`${n}_PORT`] = String(ports[i])));
      const candidate = start(['main.ts'], env);
      let exited = false;
      void candidate.exited.then(() => (exited = true));
      try {
        await waitFor(() => exited || candidate.stdout().includes('marketplace ready'), 'the stack to be ready', 120_000);
      } catch (err) {
        candidate.kill('SIGKILL');
        throw new Error(`${(err as Error).message}; its stderr: ${candidate.stderr()}`);
      }
      if (!exited) p = candidate;
      else if (!(attempt < 3 && candidate.stderr().includes('is already in use'))) throw new Error(`the stack stopped: ${candidate.stderr()}`);
    }
    const stack = p;
    try {
      const post = async (query: string, token?: string) => {
        const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query }),
        });
        return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
      };
      const login = await post('mutation { login(email: "buyer@demo.test", password: "demo-password") { accessToken } }');
      const token = login.data!.login.accessToken as string;
      // the token was signed with the key from the file: its signature verifies with that key's public half
      const [h, c, s] = token.split('.');
      const publicKey = crypto.createPublicKey(pem);
      expect(crypto.verify(null, Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'))).toBe(true);
      const me = await post('{ viewer { email } }', token);
      expect(me).toEqual({ data: { viewer: { email: 'buyer@demo.test' } } });
    } finally {
      stack.kill('SIGTERM');
      expect(await stack.exited).toBe(0);
    }
  });
});

describe('email in production', { timeout: 150_000 }, () => {
  it('refuses to start without SMTP_URL, with one line naming it (the users subgraph sends mail)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-nosmtp-'));
    try {
      const p = start(['main.ts'], {
        NODE_ENV: 'production',
        AUTH_PRIVATE_KEY: ed25519Pem(),
        SUBGRAPH_SECRET: secret,
        DATA_DIR: dir,
        PORT: String(await freePort()),
        METRICS_PORT: '0',
        LOG_LEVEL: 'error',
      });
      expect(await p.exited).toBe(1);
      expect(p.stderr().trim().split('\n')).toEqual([
        'marketplace failed to start: SMTP_URL must be set in production (e.g. smtp://user:pass@host:587): the users subgraph emails codes and notifications',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://', async () => {
    const p = start(['main.ts'], { SMTP_URL: 'http://mail.example', LOG_LEVEL: 'error' });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual(['marketplace failed to start: SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@host:587']);
  });
});
