/**
 * Tracking of shipped orders through the gateway: shipOrder with a carrier,
 * Order.shipment and its timeline, addTrackingEvent by the seller or an admin,
 * DELIVERED starting the buyer's confirmation window (short window, manual
 * clock), the events on orderStatusChanged and in the buyer's inbox, and two
 * DELIVERED at once.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, registerUserWithRetry, type Person } from '../helpers/accounts.ts';
import { M, eventually, expectOk, orderIn, placedOrder, pay } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/subscriptions.ts';

const CONFIRMATION_WINDOW_S = 3600;
const SHIPMENT = `status deliveryDeadline trackingNumber statusHistory { status reason }
  shipment { carrier trackingNumber deliveredAt events { at status location description } }`;
const SHIP = `mutation($id: ID!, $tn: String!, $carrier: String) {
  shipOrder(orderId: $id, trackingNumber: $tn, carrier: $carrier) { order { ${SHIPMENT} } userErrors { field code message } } }`;
const ADD = `mutation($id: ID!, $input: TrackingEventInput!) {
  addTrackingEvent(orderId: $id, input: $input) { order { ${SHIPMENT} } userErrors { field code message } } }`;
const READ = `query($id: ID!) { order(id: $id) { ${SHIPMENT} } }`;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({
    env: { SUBGRAPH_TIMEOUT_MS: '30000', ORDER_CONFIRMATION_WINDOW_S: String(CONFIRMATION_WINDOW_S), ORDER_SWEEP_INTERVAL_MS: '50' },
  });
}, 240_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

const add = async (who: Person, id: string, input: Record<string, unknown>) =>
  (await who.client.data<{ addTrackingEvent: any }>(ADD, { id, input })).addTrackingEvent;
const read = async (who: Person, id: string) => (await who.client.data<{ order: any }>(READ, { id })).order;

/** A paid order of a fresh buyer and seller, shipped through the API with `carrier`. */
async function shipped(carrier?: string | null) {
  const buyer = await mintPerson(t);
  const seller = await mintPerson(t);
  const order = await placedOrder(t, buyer, seller);
  expect((await pay(buyer, [order.id])).userErrors).toEqual([]);
  const r = await seller.client.data<{ shipOrder: any }>(SHIP, { id: order.id, tn: 'LX123456789CN', carrier });
  expect(r.shipOrder.userErrors).toEqual([]);
  return { buyer, seller, id: order.id, order: r.shipOrder.order };
}

describe('shipping with a carrier', { timeout: 120_000 }, () => {
  it('shows the shipment with its carrier and tracking number, and no shipment before shipping', async () => {
    const buyer = await mintPerson(t);
    const seller = await mintPerson(t);
    const id = await orderIn(t, buyer, seller, 'SHIPMENT_REQUIRED');
    expect((await read(buyer, id)).shipment).toBeNull();
    const r = await seller.client.data<{ shipOrder: any }>(SHIP, { id, tn: ' LX123456789CN ', carrier: ' Cainiao ' });
    expect(r.shipOrder.userErrors).toEqual([]);
    expect(r.shipOrder.order).toMatchObject({
      status: 'UNCONFIRMED_DELIVERY',
      trackingNumber: 'LX123456789CN',
      shipment: { carrier: 'Cainiao', trackingNumber: 'LX123456789CN', deliveredAt: null, events: [] },
    });
    expect(r.shipOrder.order.statusHistory.at(-1).reason).toBe('Shipped with Cainiao, tracking number LX123456789CN');
    expect((await read(buyer, id)).shipment.carrier).toBe('Cainiao');
  });

  it('still ships with the tracking number alone (no carrier), and refuses a carrier over 100 characters', async () => {
    const buyer = await mintPerson(t);
    const seller = await mintPerson(t);
    const id = await orderIn(t, buyer, seller, 'SHIPMENT_REQUIRED');
    const long = await seller.client.data<{ shipOrder: any }>(SHIP, { id, tn: 'T-1', carrier: 'x'.repeat(101) });
    expect(long.shipOrder.userErrors).toMatchObject([{ code: 'INVALID_INPUT', field: ['carrier'] }]);
    expect((await read(buyer, id)).status).toBe('SHIPMENT_REQUIRED');
    const r = await expectOk(seller.client, M.ship, { id, tn: 'T-1' }, 'shipOrder');
    expect(r.order.status).toBe('UNCONFIRMED_DELIVERY');
    expect((await read(buyer, id)).shipment).toEqual({ carrier: null, trackingNumber: 'T-1', deliveredAt: null, events: [] });
  });
});

describe('tracking events', { timeout: 120_000 }, () => {
  it('builds the timeline the buyer and the seller see, in the order the events happened', async () => {
    const s = await shipped('Cainiao');
    const shippedAt = Date.parse(s.order.deliveryDeadline) - t.config.orderClock.deliveryWindowS * 1000;
    const first = await add(s.seller, s.id, { status: 'IN_TRANSIT', location: 'Shenzhen', description: 'Departed the sorting center' });
    expect(first.userErrors).toEqual([]);
    // an event the carrier reports late, with its own earlier time (the moment of shipping)
    const early = new Date(shippedAt).toISOString();
    expect((await add(s.seller, s.id, { status: 'IN_TRANSIT', at: early, location: 'Shenzhen' })).userErrors).toEqual([]);
    expect((await add(s.seller, s.id, { status: 'EXCEPTION', description: 'Held at customs' })).userErrors).toEqual([]);
    const o = await read(s.buyer, s.id);
    expect(o.status).toBe('UNCONFIRMED_DELIVERY');
    expect(o.shipment.events.map((e: any) => [e.status, e.location, e.description])).toEqual([
      ['IN_TRANSIT', 'Shenzhen', null],
      ['IN_TRANSIT', 'Shenzhen', 'Departed the sorting center'],
      ['EXCEPTION', null, 'Held at customs'],
    ]);
    expect(o.shipment.events[0].at).toBe(early);
    expect(await read(s.seller, s.id)).toEqual(o);
  });

  it('lets an admin add events; refuses the buyer, another seller, unknown orders (FORBIDDEN) and guests (UNAUTHENTICATED)', async () => {
    const s = await shipped();
    const admin = await mintPerson(t, { roles: ['admin'] });
    const other = await mintPerson(t);
    const ok = await add(admin, s.id, { status: 'IN_TRANSIT', location: 'Hub' });
    expect(ok.userErrors).toEqual([]);
    expect(ok.order.shipment.events).toHaveLength(1);
    for (const who of [s.buyer, other]) {
      const r = await who.client.request(ADD, { id: s.id, input: { status: 'DELIVERED' } });
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const unknown = await s.seller.client.request(ADD, { id: crypto.randomUUID(), input: { status: 'IN_TRANSIT' } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const guest = await t.client.request(ADD, { id: s.id, input: { status: 'IN_TRANSIT' } });
    expect(guest.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const o = await read(s.buyer, s.id);
    expect(o.shipment.events).toHaveLength(1);
    expect(o.shipment.deliveredAt).toBeNull();
  });

  it('refuses bad events with a userError and records nothing: too long texts, a time in the future or before shipping, an order not shipped or already confirmed', async () => {
    const s = await shipped();
    const shippedAt = Date.parse(s.order.deliveryDeadline) - t.config.orderClock.deliveryWindowS * 1000;
    const cases: [Record<string, unknown>, string[]][] = [
      [{ status: 'IN_TRANSIT', location: 'x'.repeat(201) }, ['input', 'location']],
      [{ status: 'IN_TRANSIT', description: 'x'.repeat(501) }, ['input', 'description']],
      [{ status: 'IN_TRANSIT', at: new Date(t.clock.now().getTime() + 3_600_000).toISOString() }, ['input', 'at']],
      [{ status: 'IN_TRANSIT', at: new Date(shippedAt - 60_000).toISOString() }, ['input', 'at']],
    ];
    for (const [input, field] of cases) {
      expect((await add(s.seller, s.id, input)).userErrors).toMatchObject([{ code: 'INVALID_INPUT', field }]);
    }
    const bad = await s.seller.client.request(ADD, { id: s.id, input: { status: 'LOST' } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await read(s.buyer, s.id)).shipment.events).toEqual([]);

    const buyer = await mintPerson(t);
    const seller = await mintPerson(t);
    const unshipped = await orderIn(t, buyer, seller, 'SHIPMENT_REQUIRED');
    expect((await add(seller, unshipped, { status: 'IN_TRANSIT' })).userErrors).toMatchObject([{ code: 'INVALID_STATE', field: ['orderId'] }]);
    const confirmed = await orderIn(t, buyer, seller, 'FEEDBACK_REQUIRED');
    expect((await add(seller, confirmed, { status: 'IN_TRANSIT' })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    expect((await read(buyer, confirmed)).shipment.events).toEqual([]);
  });

  it('starts the buyer’s confirmation window on DELIVERED: receipt is confirmed automatically when it passes, long before the shipping window', async () => {
    const delivered = await shipped();
    const control = await shipped();
    const r = await add(delivered.seller, delivered.id, { status: 'DELIVERED', location: 'Springfield', description: 'Left at the front door' });
    expect(r.userErrors).toEqual([]);
    const at = Date.parse(r.order.shipment.events[0].at);
    expect(Date.parse(r.order.shipment.deliveredAt)).toBe(at);
    expect(Date.parse(r.order.deliveryDeadline)).toBe(at + CONFIRMATION_WINDOW_S * 1000);
    expect(Date.parse(r.order.deliveryDeadline)).toBeLessThan(Date.parse((await read(control.buyer, control.id)).deliveryDeadline));

    t.clock.advance(CONFIRMATION_WINDOW_S + 1);
    const done = await eventually(async () => {
      const o = await read(delivered.buyer, delivered.id);
      expect(o.status).toBe('FEEDBACK_REQUIRED');
      return o;
    }, 30_000);
    expect(done.statusHistory.at(-1)).toEqual({ status: 'FEEDBACK_REQUIRED', reason: 'Delivery confirmed automatically' });
    expect((await read(control.buyer, control.id)).status).toBe('UNCONFIRMED_DELIVERY');
  });

  it('records one DELIVERED per order: a second answers INVALID_STATE, also when two arrive at once', async () => {
    const s = await shipped();
    const admin = await mintPerson(t, { roles: ['admin'] });
    const [a, b] = await Promise.all([
      add(s.seller, s.id, { status: 'DELIVERED', description: 'by the seller' }),
      add(admin, s.id, { status: 'DELIVERED', description: 'by the admin' }),
    ]);
    const oks = [a, b].filter((r) => r.userErrors.length === 0);
    expect(oks).toHaveLength(1);
    expect([a, b].find((r) => r.userErrors.length)!.userErrors).toMatchObject([{ code: 'INVALID_STATE', message: 'The order is already marked delivered.' }]);
    const o = await read(s.buyer, s.id);
    expect(o.shipment.events.map((e: any) => e.status)).toEqual(['DELIVERED']);
    expect(o.shipment.events[0].description).toBe(oks[0].order.shipment.events[0].description);
    expect((await add(s.seller, s.id, { status: 'DELIVERED' })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    // other events still follow (a return to the sender, say)
    expect((await add(s.seller, s.id, { status: 'EXCEPTION', description: 'Returned to sender' })).userErrors).toEqual([]);
  });

  it.runIf(onPostgres)('keeps one DELIVERED when ten arrive at once (PostgreSQL)', async () => {
    const s = await shipped();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => add(s.seller, s.id, { status: 'DELIVERED', description: `try ${i}` })));
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    expect(results.filter((r) => r.userErrors[0]?.code === 'INVALID_STATE')).toHaveLength(9);
    expect((await read(s.buyer, s.id)).shipment.events).toHaveLength(1);
  });
});

describe('tracking events reach the buyer', { timeout: 120_000 }, () => {
  it('pushes each event on orderStatusChanged for that order, with the order’s unchanged status', async () => {
    const s = await shipped('Cainiao');
    const ws = connect(t, s.buyer.token);
    const sub = subscribe(
      ws,
      `subscription($id: ID!) { orderStatusChanged(orderId: $id, after: "0") {
         cursor previousStatus status trackingEvent { status location description at } order { id shipment { events { status } } } } }`,
      { id: s.id },
    );
    try {
      await sub.waitFor(3, 20_000); // placed, paid, shipped
      expect((await add(s.seller, s.id, { status: 'OUT_FOR_DELIVERY', location: 'Springfield', description: 'With the courier' })).userErrors).toEqual([]);
      const events = (await sub.waitFor(4, 20_000)).map((e: any) => e.orderStatusChanged);
      expect(sub.results.every((r) => r.errors === undefined)).toBe(true);
      expect(events.slice(0, 3).map((e: any) => [e.status, e.trackingEvent])).toEqual([
        ['PAYMENT_REQUIRED', null],
        ['SHIPMENT_REQUIRED', null],
        ['UNCONFIRMED_DELIVERY', null],
      ]);
      expect(events[3]).toMatchObject({
        previousStatus: 'UNCONFIRMED_DELIVERY',
        status: 'UNCONFIRMED_DELIVERY',
        trackingEvent: { status: 'OUT_FOR_DELIVERY', location: 'Springfield', description: 'With the courier' },
        order: { id: s.id, shipment: { events: [{ status: 'OUT_FOR_DELIVERY' }] } },
      });
      expect(Number(events[3].cursor)).toBeGreaterThan(Number(events[2].cursor));
    } finally {
      sub.unsubscribe();
      await ws.dispose();
    }
  });

  it('puts each event in the buyer’s ORDER_UPDATES inbox, once', async () => {
    const buyer = await registerUserWithRetry(t.client);
    const seller = await mintPerson(t);
    const order = await placedOrder(t, buyer, seller);
    expect((await pay(buyer, [order.id])).userErrors).toEqual([]);
    await expectOk(seller.client, M.ship, { id: order.id, tn: 'T-9' }, 'shipOrder');
    expect((await add(seller, order.id, { status: 'OUT_FOR_DELIVERY', location: 'Springfield', description: 'With the courier' })).userErrors).toEqual([]);
    expect((await add(seller, order.id, { status: 'DELIVERED' })).userErrors).toEqual([]);
    const INBOX = `{ viewer { conversations(category: ORDER_UPDATES) { edges { node { order { id } messages(first: 50) { edges { node { body senderRole } } } } } } } }`;
    const bodies = await eventually(async () => {
      const d = await buyer.client.data<any>(INBOX);
      const conv = d.viewer.conversations.edges.map((e: any) => e.node).find((c: any) => c.order?.id === order.id) ?? d.viewer.conversations.edges[0]?.node;
      const list = conv.messages.edges.map((e: any) => e.node.body as string);
      expect(list.filter((b: string) => b.includes('delivered.'))).toHaveLength(1);
      expect(list.some((b: string) => b.includes('out for delivery'))).toBe(true);
      return list;
    }, 20_000);
    expect(bodies).toContain(`Order ${order.number} is out for delivery (Springfield): With the courier.`);
    expect(bodies).toContain(`Order ${order.number} was delivered.`);
    expect(bodies.filter((b: string) => b.startsWith(`Order ${order.number} is out for delivery`))).toHaveLength(1);
  });
});
