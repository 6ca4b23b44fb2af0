/**
 * Subscription.orderStatusChanged on the orders subgraph's own websocket
 * (the gateway's side is tested with the gateway).
 */
import crypto from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { client, M, eventually, pay, placedOrder } from '../helpers/orders.ts';

const SUB = `subscription($orderId: ID, $after: String) {
  orderStatusChanged(orderId: $orderId, after: $after) { cursor previousStatus status at order { id number status statusHistory { status } } }
}`;

function subgraphClient(t: TestStack, token?: string): Client {
  const secret = t.stack.secret;
  class WithSecret extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { 'x-subgraph-secret': secret } });
    }
  }
  return createClient({
    url: t.stack.urls.orders.replace(/^http/, 'ws'),
    webSocketImpl: WithSecret,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

interface Stream {
  values: any[];
  errors: any[];
  stop: () => void;
}

function listen(client: Client, variables: Record<string, unknown> = {}): Stream {
  const s: Stream = { values: [], errors: [], stop: () => {} };
  s.stop = client.subscribe(
    { query: SUB, variables },
    {
      next: (r) => {
        if (r.errors) s.errors.push(...r.errors);
        if (r.data) s.values.push((r.data as any).orderStatusChanged);
      },
      error: (e) => s.errors.push(e),
      complete: () => {},
    },
  );
  return s;
}

describe('Subscription.orderStatusChanged on the orders subgraph', () => {
  let t: TestStack;
  let buyer: Person;
  let seller: Person;
  let stranger: Person;
  const clients: Client[] = [];
  beforeAll(async () => {
    t = await startTestStack();
    [buyer, seller, stranger] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
  }, 240_000);
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.stop();
  });
  const open = (token?: string) => {
    const c = subgraphClient(t, token);
    clients.push(c);
    return c;
  };

  it('delivers every change of my orders to the buyer and the seller, with the order resolved, and nothing to others', async () => {
    const o = await placedOrder(t, buyer, seller);
    // after: "0" replays from the start (these people are new), then goes live
    const asBuyer = listen(open(buyer.token), { after: '0' });
    const asSeller = listen(open(seller.token), { after: '0' });
    const asStranger = listen(open(stranger.token), { after: '0' });
    await eventually(async () => expect(asSeller.values).toHaveLength(1));
    await pay(buyer, [o.id]);
    await eventually(async () => {
      expect(asBuyer.values.map((v) => v.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
      expect(asSeller.values.map((v) => v.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
    });
    const paid = asBuyer.values[1];
    expect(paid).toMatchObject({ previousStatus: 'PAYMENT_REQUIRED', status: 'SHIPMENT_REQUIRED', order: { id: o.id, number: o.number } });
    expect(paid.order.statusHistory.map((h: any) => h.status)).toEqual(['PAYMENT_REQUIRED', 'SHIPMENT_REQUIRED']);
    expect(Number(paid.cursor)).toBeGreaterThan(Number(asBuyer.values[0].cursor));
    expect(asStranger.values).toEqual([]);
    for (const s of [asBuyer, asSeller, asStranger]) s.stop();
  });

  it('narrows to one order with orderId', async () => {
    const [buyer, seller] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
    const a = await placedOrder(t, buyer, seller);
    const b = await placedOrder(t, buyer, seller);
    const s = listen(open(buyer.token), { orderId: b.id, after: '0' });
    await eventually(async () => expect(s.values).toHaveLength(1));
    await buyer.client.data(M.cancel, { id: a.id });
    await buyer.client.data(M.cancel, { id: b.id });
    await eventually(async () => expect(s.values).toHaveLength(2));
    expect(s.values.map((v) => v.order.id)).toEqual([b.id, b.id]);
    expect(s.values[1]).toMatchObject({ previousStatus: 'PAYMENT_REQUIRED', status: 'CANCELLED', order: { id: b.id, status: 'CANCELLED' } });
    s.stop();
  });

  it('replays everything after a cursor, then continues live, with no gap and no duplicate', async () => {
    const [buyer, seller] = await Promise.all([mintPerson(t, { via: client(t) }), mintPerson(t, { via: client(t) })]);
    const o = await placedOrder(t, buyer, seller);
    const first = listen(open(buyer.token), { after: '0' });
    await eventually(async () => expect(first.values.filter((v) => v.order.id === o.id)).toHaveLength(1));
    const cursor = first.values.find((v) => v.order.id === o.id).cursor;
    first.stop();
    // while "offline"
    await pay(buyer, [o.id]);
    await seller.client.data(M.ship, { id: o.id, tn: 'T-1' });
    const resumed = listen(open(buyer.token), { orderId: o.id, after: cursor });
    await eventually(async () => expect(resumed.values.map((v) => v.status)).toEqual(['SHIPMENT_REQUIRED', 'UNCONFIRMED_DELIVERY']));
    await buyer.client.data(M.confirm, { id: o.id });
    await eventually(async () => expect(resumed.values.map((v) => v.status)).toEqual(['SHIPMENT_REQUIRED', 'UNCONFIRMED_DELIVERY', 'FEEDBACK_REQUIRED']));
    resumed.stop();
  });

  it('refuses an invalid cursor with BAD_USER_INPUT', async () => {
    for (const after of ['abc', '-1', '1.5']) {
      const s = listen(open(buyer.token), { after });
      await eventually(async () => expect(s.errors[0]?.extensions?.code ?? s.errors[0]?.[0]?.extensions?.code).toBe('BAD_USER_INPUT'));
    }
  });

  it('refuses a guest, delivering nothing', async () => {
    const s = listen(open(undefined), { orderId: crypto.randomUUID() });
    await eventually(async () => expect(s.errors.length).toBeGreaterThan(0));
    expect(JSON.stringify(s.errors)).toContain('UNAUTHENTICATED');
    expect(s.values).toEqual([]);
  });
});
