/**
 * A gateway subscription survives a restart of the subgraph that owns it,
 * also before its first event: the subgraph tells the gateway where each
 * subscription starts (platform/subscriptions/positions.ts), and the gateway resumes
 * from there, or from the last event it received (gateway/subscriptions/source.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/runtime.ts';
import { createLogger } from '../../platform/log.ts';
import { SECRET_HEADER } from '../../platform/protocol.ts';
import { login, registerUser, type Account } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, eventually, subscribe, type Collected, type Connected } from '../helpers/subscriptions.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const INBOX = `subscription Inbox($after: String) { messageAdded(after: $after) { cursor body } }`;
const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } userErrors { code message } } }`;

describe('gateway subscriptions across a restart of the subgraph', () => {
  let t: TestStack;
  let buyer: Account;
  const stores: { owner: Account; storeId: string }[] = [];

  beforeAll(async () => {
    t = await startTestStack();
    buyer = await registerUser(t.client, { fullName: 'Bea Buyer' });
    for (const name of ['North Shop', 'South Shop']) {
      const owner = await registerUser(t.client);
      const d = await owner.client.data<{ openStore: { store: { id: string } } }>(
        `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id } userErrors { code } } }`,
        { input: { name } },
      );
      stores.push({ owner, storeId: d.openStore.store.id });
    }
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  /** The buyer writes to every store, through the gateway. */
  async function sendToAll(body: string) {
    for (const s of stores) {
      const d = await buyer.client.data<{ sendMessage: { message: { id: string } | null; userErrors: unknown[] } }>(SEND, {
        input: { storeId: s.storeId, body },
      });
      if (!d.sendMessage.message) throw new Error(`sendMessage failed: ${JSON.stringify(d.sendMessage.userErrors)}`);
    }
  }

  /** The buyer writes to every store through `instance` directly, which the gateway does not know. */
  async function sendToAllVia(instance: RunningSubgraph, body: string) {
    for (const s of stores) {
      const res = await fetch(instance.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SECRET_HEADER]: t.stack.secret, authorization: `Bearer ${buyer.token}` },
        body: JSON.stringify({ query: SEND, variables: { input: { storeId: s.storeId, body } } }),
      });
      const r = (await res.json()) as { data?: { sendMessage: { message: unknown } }; errors?: unknown };
      if (!r.data?.sendMessage.message) throw new Error(`sendMessage failed: ${JSON.stringify(r)}`);
    }
  }

  const startMessaging = (port: number, old: RunningSubgraph) =>
    startSubgraph('messaging', {
      config: t.config,
      keys: t.keys,
      secret: t.stack.secret,
      clock: t.clock,
      log: createLogger((process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'silent'),
      port,
      pglite: t.databaseUrl ? undefined : (old.db.drizzle as unknown as { $client: any }).$client,
      bus: t.stack.bus,
      urls: t.stack.urls,
    });

  /**
   * Stops the messaging subgraph; while it is away (the gateway retrying with
   * its backoff) `during` is committed by another instance the gateway does not
   * know; then it starts again on its port and `back` is sent through the
   * gateway at once, while the gateway may still be waiting to re-subscribe.
   */
  async function restartMessaging(during: string, back: string) {
    const old = t.stack.subgraphs.messaging;
    await old.stop();
    const other = await startMessaging(0, old);
    await sendToAllVia(other, during);
    await other.stop();
    t.stack.subgraphs.messaging = await startMessaging(old.port, old);
    await sendToAll(back);
  }

  const bodies = (sub: Collected) => sub.events.map((e) => e.messageAdded.body as string);

  it('delivers every message committed during and just after the restart exactly once to subscribers that had received nothing yet, and goes on with no gap and no duplicate after a second restart', async () => {
    // five sockets: three sessions of one owner, two of the other: one upstream subscription per owner
    const sessions: Account[] = [];
    for (const [i, s] of stores.entries()) {
      sessions.push(s.owner);
      for (let k = 0; k < (i === 0 ? 2 : 1); k++) sessions.push(await login(t.client, s.owner.email, s.owner.password));
    }
    const sockets: Connected[] = sessions.map((a) => connect(t, a.token));
    const subs = sockets.map((ws) => subscribe(ws, INBOX));
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 2, 10_000, 'two upstream subscriptions');
    await sleep(1_500); // the subgraph runs them and tells where they start
    expect(subs.every((s) => s.results.length === 0)).toBe(true); // nothing received yet

    await restartMessaging('committed while messaging was away', 'sent as messaging came back');
    await eventually(() => subs.every((s) => s.results.length >= 2), 20_000, 'both messages on every socket');
    await sendToAll('live again');
    await eventually(() => subs.every((s) => s.results.length >= 3), 10_000, 'the live message on every socket');
    for (const s of subs) {
      expect(s.error).toBeUndefined();
      expect(bodies(s)).toEqual(['committed while messaging was away', 'sent as messaging came back', 'live again']);
    }

    // now each has received events: the gateway resumes after the last one
    await restartMessaging('away again', 'back again');
    await eventually(() => subs.every((s) => s.results.length >= 5), 20_000, 'the messages of the second restart');
    await sendToAll('the end');
    await eventually(() => subs.every((s) => s.results.length >= 6), 10_000, 'the last message');
    await sleep(300); // anything twice would have arrived by now
    for (const s of subs) {
      expect(s.error).toBeUndefined();
      expect(bodies(s)).toEqual(['committed while messaging was away', 'sent as messaging came back', 'live again', 'away again', 'back again', 'the end']);
      const cursors = s.events.map((e) => Number(e.messageAdded.cursor));
      expect([...cursors].sort((a, b) => a - b)).toEqual(cursors);
    }
    await Promise.all(sockets.map((ws) => ws.dispose()));
  }, 120_000);
});
