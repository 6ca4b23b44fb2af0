/**
 * One user signed in on many devices, each its own session and its own
 * subscription: every device gets every event once, and the gateway runs
 * the subscriptions that ask the same thing as one upstream subscription,
 * one subscription in the subgraph (gateway/subscriptions/sharing.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, registerUser, type Account } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, eventually, subscribe, type Collected, type Connected } from '../helpers/subscriptions.ts';

const DIRECT = `subscription { messageAdded { body senderRole read } }`;
/** Needs the catalog subgraph too: the gateway completes each event with the store's name. */
const WITH_STORE = `subscription { messageAdded { body conversation { store { name } } } }`;

async function send(buyer: Account, storeId: string, body: string): Promise<void> {
  const d = await buyer.client.data<{ sendMessage: { message: { id: string } | null; userErrors: unknown[] } }>(
    `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } userErrors { code message } } }`,
    { input: { storeId, body } },
  );
  if (!d.sendMessage.message) throw new Error(`sendMessage failed: ${JSON.stringify(d.sendMessage.userErrors)}`);
}

describe('a user signed in on many devices', () => {
  let t: TestStack;
  let seller: Account;
  let buyer: Account;
  let storeId: string;
  const sockets: Connected[] = [];

  beforeAll(async () => {
    t = await startTestStack();
    seller = await registerUser(t.client, { fullName: 'Sam Seller' });
    buyer = await registerUser(t.client, { fullName: 'Bea Buyer' });
    const d = await seller.client.data<{ openStore: { store: { id: string } } }>(
      `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id } userErrors { code message } } }`,
      { input: { name: 'Many Devices Shop' } },
    );
    storeId = d.openStore.store.id;
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) await s.dispose();
    await t?.stop();
  }, 60_000);

  /** Sends `<tag> ping <i>` until every subscriber has one, so all are live end to end. */
  async function primed(subs: Collected[], tag: string) {
    for (let i = 0; i < 50; i++) {
      await send(buyer, storeId, `${tag} ping ${i}`);
      try {
        await eventually(() => subs.every((s) => s.events.some((e) => String(e.messageAdded.body).startsWith(`${tag} ping`))), 300, 'a ping');
      } catch {
        continue;
      }
      await eventually(() => subs.every((s) => s.events.some((e) => e.messageAdded.body === `${tag} ping ${i}`)), 5_000, 'the last ping');
      return;
    }
    throw new Error('the subscriptions never went live');
  }

  it('gets every message once, in order, on each device, whether its selection is answered by messaging alone or completed from catalog', async () => {
    const devices = await Promise.all(Array.from({ length: 6 }, () => login(t.client, seller.email, seller.password)));
    expect(new Set(devices.map((d) => d.token)).size).toBe(6);
    const subs = devices.map((d, i) => {
      const ws = connect(t, d.token);
      sockets.push(ws);
      return subscribe(ws, i % 2 ? WITH_STORE : DIRECT);
    });
    // one upstream subscription per question: the sessions of one person share it
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 2, 5_000, 'two upstream subscriptions (one per document)');
    await primed(subs, 'devices');

    for (const body of ['first', 'second', 'third']) await send(buyer, storeId, `devices ${body}`);
    const mine = (s: Collected) => s.events.map((e) => e.messageAdded).filter((m) => /^devices (first|second|third)$/.test(m.body));
    await eventually(() => subs.every((s) => mine(s).length >= 3), 5_000, 'three messages on every device');
    await new Promise((r) => setTimeout(r, 200)); // nothing more may come
    subs.forEach((s, i) => {
      const got = mine(s);
      expect(got.map((m) => m.body)).toEqual(['devices first', 'devices second', 'devices third']);
      if (i % 2) expect(got.every((m) => m.conversation.store.name === 'Many Devices Shop')).toBe(true);
      else expect(got.every((m) => m.senderRole === 'BUYER' && m.read === false)).toBe(true);
    });
    for (const s of subs) s.unsubscribe();
  });

  it('runs one question asked from several devices of one person as one subscription in the subgraph, and each replay apart; signing out one device closes only its socket; deactivating the account ends them all', async () => {
    const messaging = t.stack.subgraphs.messaging.server;
    const upstream = () => t.stack.gateway.subscriptions.activeUpstream();
    await eventually(() => messaging.executions() === 0 && upstream() === 0, 5_000, 'nothing running');
    const devices = await Promise.all(Array.from({ length: 3 }, () => login(t.client, seller.email, seller.password)));
    const SAME = `subscription { messageAdded { body } }`;
    const conns = devices.map((d) => connect(t, d.token));
    sockets.push(...conns);
    const subs = conns.map((c) => subscribe(c, SAME));
    await primed(subs, 'group');
    expect(upstream()).toBe(1);
    expect(messaging.executions()).toBe(1);
    const got = (s: Collected, body: string) => s.events.some((e) => e.messageAdded.body === body);

    // the second device signs out: its socket closes, the others go on with the one subscription
    await devices[1].client.data('mutation { logout }');
    await eventually(() => conns[1].closes.length > 0, 5_000, 'the signed-out socket to close');
    expect(conns[1].closes[0]).toEqual({ code: 4403, reason: 'Session revoked' });
    await send(buyer, storeId, 'group two');
    await eventually(() => got(subs[0], 'group two') && got(subs[2], 'group two'), 5_000, 'the second message');
    expect(got(subs[1], 'group two')).toBe(false);
    expect(messaging.executions()).toBe(1);

    // replays (`after` given) run apart, each its own
    const REPLAY = `subscription($after: String) { messageAdded(after: $after) { body } }`;
    const replays = [subscribe(conns[0], REPLAY, { after: '0' }), subscribe(conns[2], REPLAY, { after: '0' })];
    await eventually(() => replays.every((r) => got(r, 'group two')), 10_000, 'the replays');
    expect(messaging.executions()).toBe(3);
    for (const r of replays) r.unsubscribe();
    await eventually(() => messaging.executions() === 1, 5_000, 'the replays to end');

    // the devices leave one by one; the shared subscription ends with the last
    subs[0].unsubscribe();
    await send(buyer, storeId, 'group three');
    await eventually(() => got(subs[2], 'group three'), 5_000, 'the third message');
    expect(messaging.executions()).toBe(1);
    subs[2].unsubscribe();
    await eventually(() => messaging.executions() === 0 && upstream() === 0, 5_000, 'the shared subscription to end');

    // a person deactivates the account: the subscription ends, the socket closes
    const leaving = await registerUser(t.client);
    const conn = connect(t, leaving.token);
    sockets.push(conn);
    subscribe(conn, SAME);
    await eventually(() => messaging.executions() === 1, 5_000, 'the subscription to run');
    const d = await leaving.client.data<{ deactivateAccount: { deactivated: boolean } }>(
      `mutation($p: String!, $e: String!) { deactivateAccount(password: $p, confirmEmail: $e) { deactivated } }`,
      { p: leaving.password, e: leaving.email },
    );
    expect(d.deactivateAccount.deactivated).toBe(true);
    await eventually(() => conn.closes.length > 0, 5_000, 'the socket to close');
    expect(conn.closes[0].code).toBe(4403);
    await eventually(() => messaging.executions() === 0, 5_000, 'the subscription to end');
  });
});
