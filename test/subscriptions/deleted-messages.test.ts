/**
 * Resuming `messageAdded` with `after` over messages deleted since they were
 * sent (their author deactivated the account, which erases their messages):
 * the deleted ones are passed over and the subscription goes on with what
 * came after, instead of ending with an error on every retry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { caughtUp, openStore, send } from '../helpers/messaging.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/subscriptions.ts';
import { DEACTIVATE } from '../users/helpers.ts';

const INBOX = `subscription Inbox($after: String) { messageAdded(after: $after) { cursor body } }`;

describe('resuming messageAdded over deleted messages', () => {
  let t: TestStack;
  let seller: Account;
  let storeId: string;

  beforeAll(async () => {
    t = await startTestStack();
    seller = await registerUser(t.client);
    storeId = await openStore(seller);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  it('passes over the messages of a buyer who deactivated meanwhile and goes on with later messages, without an error', async () => {
    const leaving = await registerUser(t.client);
    const staying = await registerUser(t.client);

    const first = connect(t, seller.token);
    // from the start of the log (the seller is new): the message arrives whenever the subscription starts
    const live = subscribe<{ messageAdded: { cursor: string; body: string } }>(first, INBOX, { after: '0' });
    await send(staying.client, { storeId, body: 'before' });
    const [seen] = await live.waitFor(1, 15_000);
    expect(seen.messageAdded.body).toBe('before');
    live.unsubscribe();
    await first.dispose();

    // while the seller is away: a buyer writes, then deactivates (their messages are erased)
    await send(leaving.client, { storeId, body: 'from the leaving buyer' });
    await send(leaving.client, { storeId, body: 'again from the leaving buyer' });
    const gone = await leaving.client.data(DEACTIVATE, { p: leaving.password, e: leaving.email });
    expect(gone.deactivateAccount).toEqual({ deactivated: true, userErrors: [] });
    await caughtUp(t, 'messaging.deactivation', 'user.deactivated');
    await send(staying.client, { storeId, body: 'while away' });

    const second = connect(t, seller.token);
    const resumed = subscribe<{ messageAdded: { cursor: string; body: string } }>(second, INBOX, { after: seen.messageAdded.cursor });
    await resumed.waitFor(1, 15_000);
    await send(staying.client, { storeId, body: 'after resuming' });
    await resumed.waitFor(2, 15_000);
    expect(resumed.error).toBeUndefined();
    expect(resumed.results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(resumed.events.map((e) => e.messageAdded.body)).toEqual(['while away', 'after resuming']);
    expect(resumed.completed).toBe(false);
    resumed.unsubscribe();
    await second.dispose();
  });
});
