/**
 * The gateway's side of batched `next` frames (gateway/subscriptions/upstream.ts
 * reading platform/subscriptions/next-batch.ts frames), against a real websocket server
 * standing in for a subgraph that sends exactly the frames under test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { UpstreamPool, type UpstreamSink } from '../../gateway/subscriptions/upstream.ts';
import { NEXT_BATCH_HEADER } from '../../platform/subscriptions/next-batch.ts';
import { eventually } from '../helpers/subscriptions.ts';

interface Fake {
  url: string;
  headers: Record<string, string | string[] | undefined>[];
  /** Subscribe messages received, in order. */
  subscribed: { id: string; socket: WebSocket }[];
  close(): Promise<void>;
}

async function fakeSubgraph(): Promise<Fake> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const fake: Fake = { url: '', headers: [], subscribed: [], close: () => new Promise((r) => wss.close(() => r())) };
  wss.on('connection', (socket, req) => {
    fake.headers.push(req.headers);
    socket.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
      if (m.type === 'subscribe') fake.subscribed.push({ id: m.id, socket });
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  fake.url = `http://127.0.0.1:${(wss.address() as { port: number }).port}/graphql`;
  const close = fake.close;
  fake.close = async () => {
    for (const c of wss.clients) c.terminate();
    await close();
  };
  return fake;
}

function collector() {
  const got: { next: unknown[]; lost: string[] } = { next: [], lost: [] };
  const sink: UpstreamSink = {
    next: (r) => got.next.push(r),
    graphqlError: () => {},
    connectionLost: (reason) => got.lost.push(reason),
    complete: () => {},
  };
  return { got, sink };
}

describe('the gateway reading batched frames from a subgraph', () => {
  let fake: Fake;
  afterEach(async () => {
    await fake?.close();
  });

  /** Two gateway subscriptions on the stand-in subgraph, once it has both subscribe messages. */
  async function twoSubscriptions() {
    fake = await fakeSubgraph();
    const pool = new UpstreamPool({ messaging: fake.url }, 'secret');
    const a = collector();
    const b = collector();
    pool.subscribe('messaging', { query: 'subscription { messageAdded { body } }' }, a.sink);
    pool.subscribe('messaging', { query: 'subscription { messageAdded { body } }' }, b.sink);
    await eventually(() => fake.subscribed.length === 2, 5_000, 'two subscribe messages');
    return { a, b };
  }

  it('asks for them, and hands every subscription in a batch the same payload', async () => {
    const { a, b } = await twoSubscriptions();
    expect(fake.headers[0][NEXT_BATCH_HEADER]).toBe('1');
    const payload = { data: { messageAdded: { body: 'hello' } } };
    fake.subscribed[0].socket.send(JSON.stringify({ type: 'next_batch', ids: fake.subscribed.map((s) => s.id), payload }));
    await eventually(() => a.got.next.length === 1 && b.got.next.length === 1, 5_000, 'the event on both');
    expect(a.got.next[0]).toEqual(payload);
    expect(a.got.next[0]).toBe(b.got.next[0]);
  });

  it('treats a malformed batch as a broken connection, without throwing in the gateway', async () => {
    const { a, b } = await twoSubscriptions();
    fake.subscribed[0].socket.send(JSON.stringify({ type: 'next_batch', ids: fake.subscribed.map((s) => s.id), payload: 5 }));
    await eventually(() => a.got.lost.length === 1 && b.got.lost.length === 1, 5_000, 'both told the connection is lost');
    expect(a.got.next).toEqual([]);
  });
});
