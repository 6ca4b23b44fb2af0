/**
 * The messaging subgraph on a database of its own (`MESSAGING_DATABASE_URL`
 * apart from `DATABASE_URL`), on either bus: its events are numbered in its
 * own outbox, and again, under other numbers, where the bus carries them (the
 * shared log's copy on PostgreSQL, the stream on JetStream). A message's
 * cursor must be the second: it is what `messageAdded(after:)` resumes from,
 * and it must be the cursor the subscription itself delivers for that message.
 *
 * The bus's numbers run ahead of the messaging database's: other subgraphs
 * publish first (a user registering, a store opening, a product's prices).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase } from '../../platform/db.ts';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { createProduct, openStore } from '../helpers/catalog.ts';
import { PATIENT_GATEWAY } from '../helpers/messaging.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, subscribe, type Connected } from '../helpers/subscriptions.ts';

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id cursor body } userErrors { code } } }`;
const INBOX = `subscription($after: String) { messageAdded(after: $after) { id cursor body } }`;
const UPDATE_VARIANT = `mutation($id: ID!, $input: UpdateVariantInput!) { updateVariant(variantId: $id, input: $input) { userErrors { code } } }`;

interface Sent {
  id: string;
  cursor: string;
  body: string;
}

describe.skipIf(!onPostgres)('messaging on a database of its own (PostgreSQL only; skipped on PGlite, one embedded database per process)', () => {
  let t: TestStack;
  let messagingDbName: string;
  let buyer: Account;
  let seller: Account;
  let storeId: string;
  const sockets: Connected[] = [];

  beforeAll(async () => {
    messagingDbName = `mg_test_messaging_${crypto.randomBytes(6).toString('hex')}`;
    const messagingUrl = await createDatabase(process.env.DATABASE_URL!, messagingDbName);
    t = await startTestStack({ env: { ...PATIENT_GATEWAY, MESSAGING_DATABASE_URL: messagingUrl } });
    [buyer, seller] = [await registerUser(t.client), await registerUser(t.client)];
    storeId = (await openStore(seller.client)).id;
    // other subgraphs publish: the bus's numbers run ahead of the messaging database's
    const product = await createProduct(seller.client, storeId, { title: 'Lamp' });
    for (let i = 1; i <= 5; i++) {
      const d = await seller.client.data(UPDATE_VARIANT, { id: product.variants[0].id, input: { price: `${10 + i}.00`, stock: 10 + i } });
      expect(d.updateVariant.userErrors).toEqual([]);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await t?.stop();
    if (messagingDbName) await dropDatabase(process.env.DATABASE_URL!, messagingDbName);
  }, 60_000);

  const send = async (body: string): Promise<Sent> => {
    const d = await buyer.client.data<{ sendMessage: { message: Sent | null; userErrors: unknown[] } }>(SEND, { input: { storeId, body } });
    expect(d.sendMessage.userErrors).toEqual([]);
    return d.sendMessage.message!;
  };

  const inbox = (after: string) => {
    const ws = connect(t, seller.token);
    sockets.push(ws);
    return subscribe<{ messageAdded: Sent }>(ws, INBOX, { after });
  };

  it('resumes after the cursor a message was sent with: exactly the later messages, with the cursors they were sent with', async () => {
    const seen = await send('one');
    const missed = [await send('two'), await send('three')];
    const resumed = inbox(seen.cursor);
    const replayed = await resumed.waitFor(2, 10_000);
    expect(replayed.map((e) => e.messageAdded.body)).toEqual(['two', 'three']);
    expect(replayed.map((e) => e.messageAdded.cursor)).toEqual(missed.map((m) => m.cursor));

    const live = await send('four');
    const all = await resumed.waitFor(3, 10_000);
    expect(all.map((e) => e.messageAdded.body)).toEqual(['two', 'three', 'four']);
    expect(all[2].messageAdded.cursor).toBe(live.cursor);
    expect(resumed.error).toBeUndefined();
  });

  it('replays, after a cursor the subscription delivered, what came after it and nothing twice', async () => {
    const from = inbox(String(0));
    const before = (await from.waitFor(4, 10_000)).map((e) => e.messageAdded);
    const cursors = before.map((m) => Number(m.cursor));
    expect([...cursors].sort((a, b) => a - b)).toEqual(cursors);
    await send('five');
    const again = inbox(before[1].cursor);
    const replayed = await again.waitFor(3, 10_000);
    expect(replayed.map((e) => e.messageAdded.body)).toEqual(['three', 'four', 'five']);
    await new Promise((r) => setTimeout(r, 300)); // anything twice would have arrived by now
    expect(again.results).toHaveLength(3);
  });
});
