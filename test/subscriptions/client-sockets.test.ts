/**
 * One client address may hold at most SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT
 * websockets on the gateway (default 50); one more is closed with 4429.
 * Guest websockets (connection_init without a token: kept open, never able to
 * subscribe) count apart from signed-in ones, so a script holding the limit in
 * guest sockets from a shared address does not lock the signed-in people out.
 * What counts a socket keeps nothing of its upgrade request once it is open.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { subscriptionOptions } from '../../gateway/subscriptions/options.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { eventually } from '../helpers/subscriptions.ts';

interface Socket {
  ws: WebSocket;
  acked: boolean;
  closed?: { code: number; reason: string };
}

/** A raw graphql-ws socket that sends connection_init (with `token`, or as a guest) and notes its ack and close. */
function open(url: string, token?: string): Socket {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const s: Socket = { ws, acked: false };
  ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })));
  ws.on('message', (data) => {
    if (JSON.parse(String(data)).type === 'connection_ack') s.acked = true;
  });
  ws.on('close', (code, reason) => (s.closed = { code, reason: String(reason) }));
  ws.on('error', () => {});
  return s;
}

describe('websockets per client address', () => {
  let t: TestStack;
  let person: Person;
  beforeAll(async () => {
    t = await startTestStack({ env: { SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT: '3' } });
    person = await mintPerson(t);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  it('are 50 at most by default', () => {
    expect(subscriptionOptions({}, {}).maxSocketsPerClient).toBe(50);
    expect(() => subscriptionOptions({}, { SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT: 'lots' })).toThrow(/SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT/);
  });

  it('close the socket one over the limit with 4429, keep the others, and accept a new one once one has closed', async () => {
    const first = [open(t.wsUrl, person.token), open(t.wsUrl, person.token), open(t.wsUrl, person.token)];
    await eventually(() => first.every((s) => s.acked), 10_000, 'three sockets acknowledged');
    const extra = open(t.wsUrl, person.token);
    await eventually(() => extra.closed !== undefined, 10_000, 'the fourth socket to close');
    expect(extra.closed).toEqual({ code: 4429, reason: 'Too many connections from this address' });
    expect(extra.acked).toBe(false);
    expect(first.every((s) => s.closed === undefined)).toBe(true);

    first[0].ws.close();
    await eventually(() => first[0].closed !== undefined && t.stack.gateway.subscriptions.connections() === 2, 5_000, 'the first socket to close');
    const again = open(t.wsUrl, person.token);
    await eventually(() => again.acked || again.closed !== undefined, 10_000, 'the new socket to be answered');
    expect(again.closed).toBeUndefined();
    expect(again.acked).toBe(true);
    for (const s of [...first, again]) s.ws.close();
    await eventually(() => t.stack.gateway.subscriptions.connections() === 0, 5_000, 'every socket to close');
  });

  it('count guests apart: they do not lock signed-in clients of that address out, and are capped themselves', async () => {
    const guests = [open(t.wsUrl), open(t.wsUrl), open(t.wsUrl)];
    await eventually(() => guests.every((s) => s.acked), 10_000, 'three guest sockets acknowledged');

    const signedIn = [open(t.wsUrl, person.token), open(t.wsUrl, person.token), open(t.wsUrl, person.token)];
    await eventually(() => signedIn.every((s) => s.acked || s.closed !== undefined), 10_000, 'the signed-in sockets to be answered');
    expect(signedIn.map((s) => s.closed)).toEqual([undefined, undefined, undefined]);
    expect(signedIn.every((s) => s.acked)).toBe(true);

    // one more of either kind is over the limit
    const extraGuest = open(t.wsUrl);
    const extraSignedIn = open(t.wsUrl, person.token);
    await eventually(() => extraGuest.closed !== undefined && extraSignedIn.closed !== undefined, 10_000, 'the extra sockets to close');
    expect(extraGuest.closed).toEqual({ code: 4429, reason: 'Too many connections from this address' });
    expect(extraSignedIn.closed).toEqual({ code: 4429, reason: 'Too many connections from this address' });
    expect([...guests, ...signedIn].every((s) => s.closed === undefined)).toBe(true);

    for (const s of [...guests, ...signedIn]) s.ws.close();
    await eventually(() => t.stack.gateway.subscriptions.connections() === 0, 5_000, 'every socket to close');
  });

  it('keep nothing of their upgrade request while they stay open, signed in with a subscription or as a guest', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const server = t.stack.gateway.server;
    const requests: WeakRef<object>[] = [];
    const note = (req: object) => requests.push(new WeakRef(req));
    server.prependListener('upgrade', note);
    const sockets = [open(t.wsUrl, person.token), open(t.wsUrl)];
    await eventually(() => sockets.every((s) => s.acked), 10_000, 'both sockets acknowledged');
    server.off('upgrade', note);
    sockets[0].ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { messageAdded { id } }' } }));
    await eventually(() => t.stack.gateway.subscriptions.activeStreams() === 1, 10_000, 'the subscription to start');
    expect(requests).toHaveLength(2);
    // the headers, raw headers and parser state of every socket's request, held for its lifetime, were 1.5 KB a socket
    await eventually(
      async () => {
        gc();
        await new Promise((r) => setTimeout(r, 10));
        return requests.every((r) => r.deref() === undefined);
      },
      5_000,
      'the upgrade requests to be collected',
    );
    expect(sockets.map((s) => s.closed)).toEqual([undefined, undefined]);
    for (const s of sockets) s.ws.close();
    await eventually(() => t.stack.gateway.subscriptions.connections() === 0, 5_000, 'every socket to close');
  });
});
