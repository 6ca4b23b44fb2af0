/**
 * Start positions (platform/subscriptions/positions.ts) on a raw connection to the
 * messaging subgraph, as the gateway opens it: each subscription is told
 * where its events start before its first event (its first `next`, with only
 * `extensions.position`); a client that does not ask sees its events only.
 * The gateway's upstream subscription runs as the verified identity it sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { POSITIONS_HEADER } from '../../platform/subscriptions/positions.ts';
import { SECRET_HEADER } from '../../platform/protocol.ts';
import { login, registerUser, type Account } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually } from '../helpers/subscriptions.ts';

const INBOX = `subscription { messageAdded { cursor body } }`;

interface Frame {
  type: string;
  id?: string;
  payload?: { data?: { messageAdded?: { cursor: string; body: string } }; extensions?: { position?: string } };
}

async function rawSocket(t: TestStack, headers: Record<string, string>): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const ws = new WebSocket(t.stack.urls.messaging.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { [SECRET_HEADER]: t.stack.secret, ...headers } });
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await eventually(() => frames.some((f) => f.type === 'connection_ack'), 5_000, 'connection_ack');
  return { ws, frames };
}

/** What subscription `id` received, in order: its position frames and the bodies of its events. */
function seen(frames: Frame[], id: string): string[] {
  const out: string[] = [];
  for (const f of frames) {
    if (f.type !== 'next' || f.id !== id) continue;
    if (f.payload?.data === undefined) out.push(`position ${f.payload!.extensions!.position}`);
    else out.push(`event ${f.payload.data.messageAdded!.cursor} ${f.payload.data.messageAdded!.body}`);
  }
  return out;
}

describe('position frames from a subgraph', () => {
  let t: TestStack;
  let seller: Account;
  let buyer: Account;
  let storeId: string;
  beforeAll(async () => {
    t = await startTestStack();
    seller = await registerUser(t.client);
    buyer = await registerUser(t.client);
    const d = await seller.client.data<{ openStore: { store: { id: string } } }>(`mutation { openStore(input: { name: "Position Shop" }) { store { id } } }`);
    storeId = d.openStore.store.id;
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  async function send(body: string): Promise<string> {
    const d = await buyer.client.data<{ sendMessage: { message: { cursor: string } } }>(
      `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { cursor } } }`,
      { input: { storeId, body } },
    );
    return d.sendMessage.message.cursor;
  }

  it('tell each subscription where it starts, before its first event, also one that joins later', async () => {
    const laptop = await login(t.client, seller.email, seller.password);
    const { ws, frames } = await rawSocket(t, { [POSITIONS_HEADER]: '1' });
    const subscribeAs = (id: string, token: string) =>
      ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: INBOX, extensions: { authorization: `Bearer ${token}` } } }));

    subscribeAs('phone', seller.token);
    await eventually(() => seen(frames, 'phone').length === 1, 5_000, 'the phone’s position');
    const [start] = seen(frames, 'phone');
    expect(start).toMatch(/^position \d+$/);
    const first = await send('first');
    expect(Number(first)).toBeGreaterThan(Number(start.split(' ')[1]));
    await eventually(() => seen(frames, 'phone').length === 2, 5_000, 'the first message');

    subscribeAs('laptop', laptop.token); // a subscription of its own, starting after what was committed before it
    await eventually(() => seen(frames, 'laptop').length === 1, 5_000, 'the laptop’s position');
    const [laptopStart] = seen(frames, 'laptop');
    expect(laptopStart).toMatch(/^position \d+$/);
    expect(Number(laptopStart.split(' ')[1])).toBeGreaterThanOrEqual(Number(first));
    expect(t.stack.subgraphs.messaging.server.executions()).toBe(2);
    const second = await send('second');
    await eventually(() => seen(frames, 'laptop').length === 2 && seen(frames, 'phone').length === 3, 5_000, 'the second message');
    expect(seen(frames, 'phone')).toEqual([start, `event ${first} first`, `event ${second} second`]);
    expect(seen(frames, 'laptop')).toEqual([laptopStart, `event ${second} second`]);
    ws.close();
  });

  it('run a subscription from the gateway as the identity it names, behind the subgraph secret', async () => {
    const { ws, frames } = await rawSocket(t, { [POSITIONS_HEADER]: '1' });
    const identity = { userId: seller.userId, roles: [] };
    ws.send(JSON.stringify({ id: 'audience', type: 'subscribe', payload: { query: INBOX, extensions: { identity } } }));
    await eventually(() => seen(frames, 'audience').length === 1, 5_000, 'its position');
    const fourth = await send('fourth');
    await eventually(() => seen(frames, 'audience').length === 2, 5_000, 'the message');
    expect(seen(frames, 'audience')[1]).toBe(`event ${fourth} fourth`);
    // without identity or token: refused
    ws.send(JSON.stringify({ id: 'nobody', type: 'subscribe', payload: { query: INBOX } }));
    await eventually(() => frames.some((f) => f.id === 'nobody'), 5_000, 'the refusal');
    expect(frames.find((f) => f.id === 'nobody') as unknown).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    ws.close();
  });

  it('sends none to a client that does not ask for them', async () => {
    const { ws, frames } = await rawSocket(t, {});
    ws.send(JSON.stringify({ id: 'plain', type: 'subscribe', payload: { query: INBOX, extensions: { authorization: `Bearer ${seller.token}` } } }));
    await eventually(() => t.stack.subgraphs.messaging.server.executions() >= 1, 5_000, 'the subscription');
    const third = await send('third');
    await eventually(() => seen(frames, 'plain').length === 1, 5_000, 'the message');
    expect(seen(frames, 'plain')).toEqual([`event ${third} third`]);
    expect(frames.some((f) => f.type === 'next' && f.payload?.data === undefined)).toBe(false);
    ws.close();
  });
});
