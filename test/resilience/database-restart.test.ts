import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, eventually, subscribe } from '../helpers/subscriptions.ts';

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id body } userErrors { code } } }`;

// Skipped until the driver is fixed: postgres.js 3.4.9 (the latest release)
// can throw an uncatchable TypeError from `nextWrite` after a backend is
// terminated mid-write (porsager/postgres#1154, #1208), which takes the process
// down. This test reproduces it; it is the acceptance test for that fix.
describe.skip('PostgreSQL connections cut under load (PostgreSQL)', () => {
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
    for (let cut = 0; cut < 3; cut++) {
      await new Promise((r) => setTimeout(r, 400));
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`;
    }
    await writer;

    // after the cuts, everything works again without restarting anything
    await eventually(async () => {
      const r = await buyer.client.request(SEND, { input: { storeId, body: 'after the storm' } });
      return Boolean(r.data?.sendMessage?.message);
    }, 20_000, 'a message after the cuts');
    accepted.push('after the storm');

    // every message that was answered as sent is stored, and reached the subscriber once
    const stored = await seller.client.data(
      `query($id: ID!) { store(id: $id) { conversations(first: 1) { edges { node { messages(first: 100) { edges { node { body } } } } } } } }`,
      { id: storeId },
    );
    const page = stored.store.conversations.edges[0].node.messages.edges.map((e: { node: { body: string } }) => e.node.body);
    await eventually(() => accepted.every((b) => sub.events.some((e) => e.messageAdded.body === b)), 20_000, 'every accepted message delivered');
    const delivered = sub.events.map((e) => e.messageAdded.body as string);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(accepted.length).toBeGreaterThan(0);
    for (const b of accepted.slice(-Math.min(accepted.length, 100))) {
      if (accepted.length <= 100) expect(page).toContain(b);
    }
    // the cuts really hit requests in flight, or the test proved nothing
    expect(failed + accepted.length).toBeGreaterThanOrEqual(120);
    await ws.dispose();
  }, 120_000);
});
