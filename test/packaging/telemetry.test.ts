import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, root, start, waitFor } from './processes.ts';

const recorder = path.join(root, 'test', 'packaging', 'record-connections.mjs');

/**
 * Starts the gateway process alone with the connection recorder preloaded,
 * sends it one query, waits `settleMs`, stops it, and returns the hosts it
 * connected to or looked up, other than this machine.
 */
async function outboundOfGateway(env: Record<string, string>, settleMs: number): Promise<string[]> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mg-telemetry-')), 'connections.txt');
  fs.writeFileSync(file, '');
  const port = await freePort();
  const p = start(
    ['gateway/index.ts'],
    { SUBGRAPH_SECRET: 'a-subgraph-secret-of-enough-length', PORT: String(port), HOST: '127.0.0.1', RECORD_CONNECTIONS_FILE: file, ...env },
    [recorder],
  );
  try {
    await waitFor(() => p.stdout().includes('gateway ready'), 'the gateway to be ready');
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    p.kill('SIGTERM');
    await p.exited;
  }
  const local = /^(connect|lookup) (\/|127\.0\.0\.1|localhost|0\.0\.0\.0|::1)/;
  return [
    ...new Set(
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l && !local.test(l)),
    ),
  ];
}

describe("Apollo's telemetry and cloud metadata probes are off unless turned on", { timeout: 120_000 }, () => {
  it('by default the gateway connects to nothing but its own machine, even with an APOLLO_KEY in the environment', async () => {
    const outbound = await outboundOfGateway({ APOLLO_KEY: 'service:marketplace-test:not-a-real-key', APOLLO_GRAPH_REF: 'marketplace-test@current' }, 3000);
    expect(outbound).toEqual([]);
  });

  it('APOLLO_TELEMETRY_DISABLED=false lets @apollo/gateway probe the cloud metadata endpoints and report to Apollo', async () => {
    // the control for the test above: the recorder sees these connections when they happen
    const outbound = await outboundOfGateway({ APOLLO_TELEMETRY_DISABLED: 'false' }, 1000);
    expect(outbound).toContain('connect 169.254.169.254:80');
    expect(outbound.some((l) => l.includes('apollographql.com'))).toBe(true);
  });

  it('a value other than true or false stops the gateway with one line naming the variable', async () => {
    const p = start(['gateway/index.ts'], {
      SUBGRAPH_SECRET: 'a-subgraph-secret-of-enough-length',
      APOLLO_TELEMETRY_DISABLED: 'maybe',
      PORT: String(await freePort()),
    });
    expect(await p.exited).toBe(1);
    expect(p.stderr().trim().split('\n')).toEqual(['gateway failed to start: APOLLO_TELEMETRY_DISABLED must be true or false, got "maybe"']);
  });
});
