import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, eventually, subscribe } from '../helpers/subscriptions.ts';

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id body } userErrors { code } } }`;

// Cuts every connection to the test database three times while buyers keep
// sending messages. Before scripts/patch-postgres.mjs this took the process down
// (postgres.js 3.4.9 threw from `nextWrite`: porsager/postgres#1154, #1208).
describe.runIf(onPostgres)('PostgreSQL connections cut under load (PostgreSQL)', () => {
  let t: TestStack;
  let seller: Account;
  let buyer: Account;
  let storeId: string;
  let admin: postgres.Sql;

  beforeAll(async () => {
    t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000', MESSAGE_RATE_PER_MIN: '100000' } });
    seller = await registerUser(t.client, { fullName: 'Steady Seller' });
    buyer = await registerUser(t.client, { fullName: 'Steady Buyer' });
    const d = await seller.client.data(`mutation { openStore(input: { name: "Steady Store" }) { store { id } } }`);
    storeId = d.openStore.store.id;
    admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  }, 180_000);

  afterAll(async () => {
    await admin?.end({ timeout: 5 });
    await t?.stop();
  }, 60_000);

  it('loses no committed message or event: the subgraphs reconnect by themselves and the subscription goes on', async () => {
    const ws = connect(t, seller.token);
    const sub = subscribe(ws, `subscription { messageAdded(after: "0") { body } }`);
    const dbName = new URL(t.databaseUrl!).pathname.slice(1);
    const accepted: string[] = [];
    let failed = 0;
    const sendOne = async (i: number) => {
      const body = `steady ${i}`;
      try {
        const r = await buyer.client.request(SEND, { input: { storeId, body } });
        if (r.data?.sendMessage?.message) accepted.push(body);
        else failed++;
      } catch {
        failed++;
      }
    };
    // keep writing while every connection to the test database is cut, three times
    let i = 0;
    const writer = (async () => {
      while (i < 120) {
        await Promise.all([sendOne(i++), sendOne(i++), sendOne(i++)]);
      }
    })();
    const terminated: number[] = [];
    for (let cut = 0; cut < 3; cut++) {
      await new Promise((r) => setTimeout(r, 400));
      const rows = await admin`select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`;
      terminated.push(rows.filter((r) => r.ok).length);
    }
    await writer;
    // the cuts really hit the subgraphs' connections, and some requests with them
    expect(terminated.every((n) => n > 0)).toBe(true);
    expect(failed).toBeGreaterThan(0);

    // after the cuts, everything works again without restarting anything
    await eventually(
      async () => {
        const r = await buyer.client.request(SEND, { input: { storeId, body: 'after the storm' } });
        return Boolean(r.data?.sendMessage?.message);
      },
      20_000,
      'a message after the cuts',
    );
    accepted.push('after the storm');

    // what is stored: every message, page by page, as the seller reads them
    const stored: string[] = [];
    let after: string | null = null;
    for (;;) {
      const d: any = await seller.client.data(
        `query($id: ID!, $after: String) { store(id: $id) { conversations(first: 1) { edges { node { messages(first: 50, after: $after) { edges { node { body } } pageInfo { hasNextPage endCursor } } } } } } }`,
        { id: storeId, after },
      );
      const messages: any = d.store.conversations.edges[0].node.messages;
      stored.push(...messages.edges.map((e: { node: { body: string } }) => e.node.body));
      if (!messages.pageInfo.hasNextPage) break;
      after = messages.pageInfo.endCursor;
    }
    // every message answered as sent was stored (some that failed may have committed too)
    for (const b of accepted) expect(stored).toContain(b);
    // and every stored message reached the subscriber exactly once: no committed event lost
    await eventually(() => stored.every((b) => sub.events.some((e) => e?.messageAdded?.body === b)), 20_000, 'every stored message delivered');
    expect(sub.results.every((r) => !r.errors)).toBe(true);
    const delivered = sub.events.map((e) => e.messageAdded.body as string);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered.sort()).toEqual([...stored].sort());
    await ws.dispose();
  }, 120_000);
});
