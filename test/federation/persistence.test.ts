import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeys } from '../../platform/auth.ts';
import { ManualClock } from '../../platform/clock.ts';
import { SUBGRAPH_NAMES, loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { startStack } from '../../stack.ts';
import { GraphQLClient } from '../helpers/client.ts';

/** The embedded stack exactly as `npm start` runs it, on a DATA_DIR of its own. */
async function startEmbedded(dataDir: string) {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', HOST: '127.0.0.1', SEED: 'demo' });
  const ports = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, 0]));
  const stack = await startStack({
    config,
    keys: loadKeys(config),
    clock: new ManualClock(),
    log: createLogger('silent'),
    port: 0,
    subgraphPorts: ports,
    metricsPort: 0,
  });
  return { stack, client: new GraphQLClient(stack.gateway.url) };
}

describe('the embedded database under DATA_DIR', () => {
  it('keeps accounts, the signing key and the demo data across a restart, without seeding twice', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-data-'));
    const first = await startEmbedded(dataDir);
    let productCount: number;
    let token: string;
    try {
      const reg = await first.client.data(
        `mutation { register(input: { email: "kept@example.com", password: "a-strong-password-1", fullName: "Kept Person" }) { accessToken userErrors { code } } }`,
      );
      expect(reg.register.userErrors).toEqual([]);
      token = reg.register.accessToken;
      productCount = (await first.client.data('{ searchProducts(first: 1) { totalCount } }')).searchProducts.totalCount;
      expect(productCount).toBeGreaterThan(0);
    } finally {
      await first.stack.stop();
    }

    const second = await startEmbedded(dataDir);
    try {
      const login = await second.client.data(
        `mutation { login(email: "kept@example.com", password: "a-strong-password-1") { viewer { fullName } userErrors { code } } }`,
      );
      expect(login.login.viewer).toEqual({ fullName: 'Kept Person' });
      // a token issued before the restart still verifies: the key was kept
      expect((await second.client.as(token).data('{ viewer { email } }')).viewer).toEqual({ email: 'kept@example.com' });
      const again = (await second.client.data('{ searchProducts(first: 1) { totalCount } }')).searchProducts.totalCount;
      expect(again).toBe(productCount);
    } finally {
      await second.stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
