/**
 * One user signed in on many devices, each its own session and its own
 * subscription: every device gets every event once, and between the
 * messaging subgraph and the gateway an answer shared by many of those
 * subscriptions travels as one batched frame (platform/subscriptions/next-batch.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NEXT_BATCH_HEADER } from '../../platform/subscriptions/next-batch.ts';
import { SECRET_HEADER } from '../../platform/protocol.ts';
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

/** A raw graphql-transport-ws connection straight to a subgraph, as the gateway makes one, keeping every frame. */
async function rawSubgraphSocket(t: TestStack, batched: boolean): Promise<{ ws: WebSocket; frames: string[] }> {
  const headers: Record<string, string> = { [SECRET_HEADER]: t.stack.secret };
  if (batched) headers[NEXT_BATCH_HEADER] = '1';
  const ws = new WebSocket(t.stack.urls.messaging.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(String(data)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await eventually(() => frames.some((f) => JSON.parse(f).type === 'connection_ack'), 5_000, 'connection_ack');
  return { ws, frames };
}

describe('a user signed in on many devices', () => {
  let t: TestStack;
  let seller: Account;
  let buyer: Account;
  let storeId: string;
  const sockets: (Connected | WebSocket)[] = [];

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
    for (const s of sockets) {
      if (s instanceof WebSocket) s.terminate();
      else await s.dispose();
    }
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
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() >= 6, 5_000, 'six upstream subscriptions (one per session)');
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

  it('travels from the messaging subgraph to the gateway as one frame per answer shared by several subscriptions, and as plain graphql-ws to any other client', async () => {
    const devices = await Promise.all(Array.from({ length: 3 }, () => login(t.client, seller.email, seller.password)));
    // a and c ask the same question with different sessions (nothing in it depends on who asks, so
    // the subgraph answers both with one execution); b asks another
    const SAME = `subscription { messageAdded { body senderRole } }`;
    const OTHER = `subscription { messageAdded { body conversation { id } } }`;
    const subscribeAll = (ws: WebSocket) => {
      ws.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: SAME, extensions: { authorization: `Bearer ${devices[0].token}` } } }));
      ws.send(JSON.stringify({ id: 'b', type: 'subscribe', payload: { query: OTHER, extensions: { authorization: `Bearer ${devices[1].token}` } } }));
      ws.send(JSON.stringify({ id: 'c', type: 'subscribe', payload: { query: SAME, extensions: { authorization: `Bearer ${devices[2].token}` } } }));
    };
    const gatewayLike = await rawSubgraphSocket(t, true);
    const plain = await rawSubgraphSocket(t, false);
    sockets.push(gatewayLike.ws, plain.ws);
    subscribeAll(gatewayLike.ws);
    subscribeAll(plain.ws);

    // every subscription answers a ping on both sockets: all are live
    const answered = (frames: string[], tag: string) => {
      const ids = new Set<string>();
      for (const f of frames.filter((x) => x.includes(tag)).map((x) => JSON.parse(x))) {
        if (f.type === 'next') ids.add(f.id);
        if (f.type === 'next_batch') for (const id of f.ids) ids.add(id);
      }
      return ids.size === 3;
    };
    for (let i = 0; ; i++) {
      await send(buyer, storeId, `raw ping ${i}`);
      try {
        await eventually(() => answered(gatewayLike.frames, `raw ping ${i}"`) && answered(plain.frames, `raw ping ${i}"`), 500, 'pings');
        break;
      } catch {
        if (i >= 30) throw new Error('the raw subscriptions never went live');
      }
    }

    await send(buyer, storeId, 'raw hello');
    await eventually(() => answered(gatewayLike.frames, '"raw hello"') && answered(plain.frames, '"raw hello"'), 5_000, 'the hello');
    await new Promise((r) => setTimeout(r, 200));
    const batchedHello = gatewayLike.frames.filter((f) => f.includes('"raw hello"')).map((f) => JSON.parse(f));
    expect(batchedHello).toHaveLength(2);
    const batch = batchedHello.find((f) => f.type === 'next_batch');
    expect([...batch.ids].sort()).toEqual(['a', 'c']);
    expect(batch.payload).toEqual({ data: { messageAdded: { body: 'raw hello', senderRole: 'BUYER' } } });
    const single = batchedHello.find((f) => f.type === 'next');
    expect(single.id).toBe('b');
    expect(single.payload.data.messageAdded.body).toBe('raw hello');

    const plainHello = plain.frames.filter((f) => f.includes('"raw hello"')).map((f) => JSON.parse(f));
    expect(plainHello.map((f) => f.type)).toEqual(['next', 'next', 'next']);
    expect(plainHello.map((f) => f.id).sort()).toEqual(['a', 'b', 'c']);
  });
  it('runs one question asked from several sessions of one user as one subscription in the subgraph (replays only when asked together); signing out one session ends only its own, deactivating the account ends them all', async () => {
    const messaging = t.stack.subgraphs.messaging.server;
    const devices = await Promise.all(Array.from({ length: 3 }, () => login(t.client, seller.email, seller.password)));
    const stranger = await registerUser(t.client);
    const SAME = `subscription { messageAdded { body } }`;
    const raw = await rawSubgraphSocket(t, true);
    sockets.push(raw.ws);
    const closed = new Promise<number>((resolve) => raw.ws.once('close', (code) => resolve(code)));
    const before = messaging.executions();
    const ask = (id: string, token: string) =>
      raw.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: SAME, extensions: { authorization: `Bearer ${token}` } } }));
    ask('a', devices[0].token);
    ask('b', devices[1].token);
    ask('c', devices[2].token);
    ask('s', stranger.token); // another user: a subscription of its own
    ask('x', 'not-a-token'); // refused alone, as graphql-ws refuses any subscription
    await eventually(() => raw.frames.some((f) => f.includes('"id":"x","type":"error"')), 5_000, 'the refusal');
    expect(JSON.parse(raw.frames.find((f) => f.includes('"id":"x"'))!).payload[0].extensions.code).toBe('UNAUTHENTICATED');
    await eventually(() => messaging.executions() === before + 2, 5_000, 'two subscriptions running in the subgraph');

    /** The ids each frame carrying `text` was for. */
    const receivers = (text: string) =>
      raw.frames
        .filter((f) => f.includes(`"${text}"`))
        .map((f) => JSON.parse(f))
        .flatMap((f) => (f.type === 'next_batch' ? f.ids : [f.id]))
        .sort();
    for (let i = 0; ; i++) {
      await send(buyer, storeId, `group ping ${i}`);
      try {
        await eventually(() => receivers(`group ping ${i}`).length === 3, 500, 'the ping');
        break;
      } catch {
        if (i >= 30) throw new Error('the grouped subscriptions never went live');
      }
    }
    await send(buyer, storeId, 'group one');
    await eventually(() => receivers('group one').length === 3, 5_000, 'the first message');
    expect(raw.frames.filter((f) => f.includes('"group one"'))).toHaveLength(1); // one frame for the three
    expect(receivers('group one')).toEqual(['a', 'b', 'c']);

    // the second device signs out: its subscription completes, the others go on
    await devices[1].client.data('mutation { logout }');
    await eventually(() => raw.frames.includes('{"id":"b","type":"complete"}'), 5_000, 'b to complete');
    await send(buyer, storeId, 'group two');
    await eventually(() => receivers('group two').length === 2, 5_000, 'the second message');
    expect(receivers('group two')).toEqual(['a', 'c']);
    expect(messaging.executions()).toBe(before + 2);

    // the members leave one by one; the shared subscription ends with the last
    raw.ws.send(JSON.stringify({ id: 'a', type: 'complete' }));
    await send(buyer, storeId, 'group three');
    await eventually(() => receivers('group three').length === 1, 5_000, 'the third message');
    expect(receivers('group three')).toEqual(['c']);
    expect(messaging.executions()).toBe(before + 2);
    raw.ws.send(JSON.stringify({ id: 'c', type: 'complete' }));
    await eventually(() => messaging.executions() === before + 1, 5_000, 'the shared subscription to end');
    await send(buyer, storeId, 'group four');
    await new Promise((r) => setTimeout(r, 300));
    expect(receivers('group four')).toEqual([]);

    // replays (`after` given) with the same cursor asked together run as one; one asked after the
    // first answer runs apart (joining, it would miss what was already replayed)
    const REPLAY = `subscription($after: String) { messageAdded(after: $after) { body } }`;
    const replay = (id: string, device: Account) =>
      raw.ws.send(
        JSON.stringify({
          id,
          type: 'subscribe',
          payload: { query: REPLAY, variables: { after: '0' }, extensions: { authorization: `Bearer ${device.token}` } },
        }),
      );
    replay('r1', devices[0]);
    replay('r2', devices[2]);
    await eventually(() => receivers('group four').length === 2, 5_000, 'the replays');
    expect(receivers('group four')).toEqual(['r1', 'r2']);
    expect(raw.frames.filter((f) => f.includes('"group four"'))).toHaveLength(1);
    expect(messaging.executions()).toBe(before + 2);
    replay('r3', devices[0]);
    await eventually(() => receivers('group four').length === 3, 5_000, 'the late replay');
    expect(messaging.executions()).toBe(before + 3);
    for (const id of ['r1', 'r2', 'r3']) raw.ws.send(JSON.stringify({ id, type: 'complete' }));
    await eventually(() => messaging.executions() === before + 1, 5_000, 'the replays to end');

    // the stranger deactivates the account: the user's subscriptions end, whatever the session
    const d = await stranger.client.data<{ deactivateAccount: { deactivated: boolean } }>(
      `mutation($p: String!, $e: String!) { deactivateAccount(password: $p, confirmEmail: $e) { deactivated } }`,
      { p: stranger.password, e: stranger.email },
    );
    expect(d.deactivateAccount.deactivated).toBe(true);
    await eventually(() => raw.frames.includes('{"id":"s","type":"complete"}'), 5_000, 's to complete');
    await eventually(() => messaging.executions() === before, 5_000, 'the stranger’s subscription to end');

    // the groups' own ids are not a client's to use
    ask('~1', devices[0].token);
    expect(await closed).toBe(4400);
  });
});
