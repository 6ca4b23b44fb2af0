import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { KeepAlive } from '../../gateway/subscriptions/keepalive.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const INTERVAL_MS = 1_200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Client {
  ws: WebSocket;
  /** When each ping arrived (ms since the socket was acknowledged). */
  pings: number[];
  closed: Promise<number>;
}

/** A graphql-ws client socket, acknowledged (no token: it may only be kept open). */
async function open(t: TestStack, answers = true): Promise<Client> {
  const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws', { autoPong: answers });
  const pings: number[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.on('message', (raw) => {
      if (JSON.parse(String(raw)).type === 'connection_ack') resolve();
    });
    ws.on('error', reject);
  });
  const acked = Date.now();
  ws.on('ping', () => pings.push(Date.now() - acked));
  return { ws, pings, closed };
}

describe('keep-alive on the gateway websocket (SUBSCRIPTION_KEEPALIVE_MS)', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ env: { SUBSCRIPTION_KEEPALIVE_MS: String(INTERVAL_MS) } });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  it('pings every socket once per interval; one that answers stays, one that does not is dropped within two intervals', async () => {
    const alive = await open(t);
    const deaf = await open(t, false);
    let deafCode: number | undefined;
    void deaf.closed.then((c) => (deafCode = c));
    await sleep(2 * INTERVAL_MS + 600); // two intervals, and room for a late timer on a busy machine
    expect(deafCode).toBe(1006); // terminated: no close frame
    expect(deaf.pings.length).toBeGreaterThanOrEqual(1);
    await sleep(INTERVAL_MS);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    // one ping per interval: 3.5 intervals → 3 or 4
    expect(alive.pings.length).toBeGreaterThanOrEqual(3);
    expect(alive.pings.length).toBeLessThanOrEqual(4);
    const gaps = alive.pings.slice(1).map((p, i) => p - alive.pings[i]);
    for (const g of gaps) expect(Math.abs(g - INTERVAL_MS)).toBeLessThan(INTERVAL_MS / 2);
    alive.ws.close();
    await alive.closed;
  }, 30_000);

  it('spreads the pings of sockets that connected together over the interval', async () => {
    const clients = await Promise.all(Array.from({ length: 24 }, () => open(t)));
    await sleep(INTERVAL_MS + 600);
    const first = clients.map((c) => c.pings[0]);
    expect(first.every((p) => typeof p === 'number')).toBe(true);
    // each socket's first ping within one interval (and a tick) of connecting ...
    expect(Math.max(...first)).toBeLessThan(INTERVAL_MS + 600);
    // ... not all at the same moment: with 12 phases (100 ms ticks) drawn at random for 24 sockets, the
    // chance that they all fall within a third of the interval is below one in 10^7
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(INTERVAL_MS / 3);
    for (const c of clients) c.ws.close();
    await Promise.all(clients.map((c) => c.closed));
  }, 30_000);
});

describe('keep-alive during a fan-out (keepalive.ts busy)', () => {
  // a bare ws server with the gateway's KeepAlive: `busy` stands for frames waiting in the writer
  let server: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => server.once('listening', () => r()));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise((r) => server.close(r));
  });

  const connect = async (n: number) => {
    const clients = Array.from({ length: n }, () => {
      const ws = new WebSocket(url);
      const pings: number[] = [];
      ws.on('ping', () => pings.push(Date.now()));
      return { ws, pings, open: new Promise((r) => ws.once('open', r)) };
    });
    await Promise.all(clients.map((c) => c.open));
    return clients;
  };

  it('holds pings back while the gateway is fanning out, then pings every socket it skipped', async () => {
    let busy = false;
    const keepAlive = new KeepAlive(1_000, { tickMs: 50, busy: () => busy, maxPostponeMs: 5_000 });
    server.on('connection', (ws) => keepAlive.add(ws));
    const clients = await connect(20);
    busy = true;
    const heldFrom = Date.now();
    await sleep(1_500); // one and a half intervals: every socket was due once
    busy = false;
    const heldUntil = Date.now();
    await sleep(1_000);
    keepAlive.close();
    server.removeAllListeners('connection');
    for (const c of clients) {
      expect(c.pings.filter((p) => p > heldFrom + 60 && p < heldUntil)).toEqual([]); // a tick may have been under way
      expect(c.pings.filter((p) => p >= heldUntil).length).toBeGreaterThanOrEqual(1);
      c.ws.close();
    }
  }, 15_000);

  it('still pings every socket about once per interval when the gateway never stops fanning out', async () => {
    const keepAlive = new KeepAlive(1_000, { tickMs: 50, busy: () => true, maxPostponeMs: 250 });
    server.on('connection', (ws) => keepAlive.add(ws));
    const clients = await connect(20);
    await sleep(3_400);
    keepAlive.close();
    server.removeAllListeners('connection');
    for (const c of clients) {
      // 3.4 intervals: three pings, give or take one for the phase and the catch-up batches
      expect(c.pings.length).toBeGreaterThanOrEqual(2);
      expect(c.pings.length).toBeLessThanOrEqual(4);
      c.ws.close();
    }
  }, 15_000);
});
