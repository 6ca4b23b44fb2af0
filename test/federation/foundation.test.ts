import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../schema/compose-lib.ts';
import { SUPERGRAPH_FILE } from '../../gateway/server.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

describe('the federated graph starts and answers through the gateway', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('reports healthy when every subgraph is up', async () => {
    const res = await fetch(t.url.replace('/graphql', '/health'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers a query planned across the supergraph', async () => {
    const r = await t.client.request('{ __typename }');
    expect(r.data).toEqual({ __typename: 'Query' });
  });

  it('refuses a subgraph called directly without the gateway secret, with nothing else', async () => {
    for (const name of ['users', 'catalog', 'orders', 'messaging', 'promotions'] as const) {
      const res = await fetch(t.stack.urls[name], {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body.data).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain('sdl');
    }
  });

  it('refuses a subgraph called with a wrong secret', async () => {
    const res = await fetch(t.stack.urls.catalog, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-subgraph-secret': 'not-the-secret-at-all' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(401);
  });

  it('serves Apollo Sandbox to a browser outside production', async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('embeddable-sandbox');
  });
});

describe('the committed supergraph', () => {
  it('is exactly what composing schema/*.graphql gives (run `npm run compose` after changing a subgraph SDL)', () => {
    expect(fs.readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(composeSupergraph());
  });
});
