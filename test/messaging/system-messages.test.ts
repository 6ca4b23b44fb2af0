import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { caughtUp, eventually, inbox, orderStatusChanged, priceDropped, publishEvents, PATIENT_GATEWAY } from '../helpers/messaging.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

describe('the platform writes SYSTEM messages from order and price events', () => {
  let t: TestStack;
  let buyer: Person;
  const storeId = crypto.randomUUID();
  const sellerId = crypto.randomUUID();

  beforeAll(async () => {
    t = await startTestStack({ env: PATIENT_GATEWAY });
    buyer = await mintPerson(t);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  const order = (number: string, orderId = crypto.randomUUID()) => ({ orderId, number, buyerId: buyer.userId, storeId, sellerId });

  it('puts every order status change in the buyer’s ORDER_UPDATES conversation, with the order set', async () => {
    const o = order('2026-000123');
    await publishEvents(t, [orderStatusChanged({ ...o, status: 'PAYMENT_REQUIRED' })]);
    await publishEvents(t, [orderStatusChanged({ ...o, previousStatus: 'PAYMENT_REQUIRED', status: 'SHIPMENT_REQUIRED' })]);
    const box = await eventually(async () => {
      const b = await inbox(t, buyer, { category: 'ORDER_UPDATES' });
      expect(b.conversations[0]?.messages).toHaveLength(2);
      expect(b.conversations[0].unreadCount).toBe(2); // read in a later statement than the messages
      return b;
    });
    expect(box.totalCount).toBe(1);
    const c = box.conversations[0];
    expect(c.category).toBe('ORDER_UPDATES');
    expect(c.order).toEqual({ id: o.orderId });
    expect(c.store).toBeNull();
    expect(c.unreadCount).toBe(2);
    expect(c.messages.map((m: any) => m.body)).toEqual(['Order 2026-000123 is now awaiting shipment.', 'Order 2026-000123 is now awaiting payment.']);
    expect(c.messages[0]).toMatchObject({ senderRole: 'SYSTEM', read: false, attachments: [] });
    expect(Number(c.messages[0].cursor)).toBeGreaterThan(Number(c.messages[1].cursor));
  });

  it('puts a price drop in the PROMOTIONS conversation', async () => {
    await publishEvents(t, [priceDropped({ userId: buyer.userId, title: 'Blue Kettle', previousPrice: 2999, newPrice: 1999 })]);
    const box = await eventually(async () => {
      const b = await inbox(t, buyer, { category: 'PROMOTIONS' });
      expect(b.conversations).toHaveLength(1);
      return b;
    });
    expect(box.conversations[0].messages.map((m: any) => m.body)).toEqual(['Price drop: Blue Kettle is now $19.99 (was $29.99).']);
    const all = await inbox(t, buyer);
    expect(all.conversations.map((c: any) => c.category)).toEqual(['PROMOTIONS', 'ORDER_UPDATES']); // most recently active first
    expect(all.unread).toBe(3);
  });

  it('makes each message exactly once, even when the consumers start over from the beginning of the log', async () => {
    const o = order('2026-000200');
    await publishEvents(t, [orderStatusChanged({ ...o, status: 'PAYMENT_REQUIRED' })]);
    const countOf = async () => (await inbox(t, buyer, { category: 'ORDER_UPDATES' })).conversations[0].messages.length;
    await eventually(async () => expect(await countOf()).toBe(3));

    // A crash after handling but before remembering the position: the consumers replay everything.
    await t.stack.eventsDb.drizzle.execute(sql`update events.consumers set position = 0 where name like 'messaging.%'`);
    await publishEvents(t, [
      orderStatusChanged({ ...o, previousStatus: 'PAYMENT_REQUIRED', status: 'CANCELLED' }),
      priceDropped({ userId: buyer.userId, title: 'Red Kettle', previousPrice: 1000, newPrice: 900 }),
    ]);
    await eventually(async () => expect(await countOf()).toBe(4));
    await eventually(async () => expect((await inbox(t, buyer, { category: 'PROMOTIONS' })).conversations[0].messages).toHaveLength(2));
    await caughtUp(t, 'messaging.order-updates', 'order.status_changed');
    await caughtUp(t, 'messaging.price-drops', 'promotion.price_dropped');
    const box = await inbox(t, buyer);
    expect(box.unread).toBe(6);
    const updates = box.conversations.find((c: any) => c.category === 'ORDER_UPDATES');
    expect(updates.messages.map((m: any) => m.body)).toEqual([
      'Order 2026-000200 is now cancelled.',
      'Order 2026-000200 is now awaiting payment.',
      'Order 2026-000123 is now awaiting shipment.',
      'Order 2026-000123 is now awaiting payment.',
    ]);
  });

  it('marks a conversation read for the viewer, and the unread count follows', async () => {
    const before = await inbox(t, buyer);
    const promo = before.conversations.find((c: any) => c.category === 'PROMOTIONS');
    const d = await buyer.client.data<{ markConversationRead: any }>(
      `mutation($id: ID!) { markConversationRead(conversationId: $id) { conversation { id unreadCount messages { edges { node { read } } } } userErrors { code } } }`,
      { id: promo.id },
    );
    expect(d.markConversationRead.userErrors).toEqual([]);
    expect(d.markConversationRead.conversation.unreadCount).toBe(0);
    expect(d.markConversationRead.conversation.messages.edges.every((e: any) => e.node.read)).toBe(true);
    expect((await inbox(t, buyer)).unread).toBe(before.unread - promo.unreadCount);
  });

  it('deletes a deactivated person’s inboxes, and makes no new ones for them', async () => {
    const gone = await mintPerson(t);
    await publishEvents(t, [priceDropped({ userId: gone.userId, title: 'Lamp', previousPrice: 500, newPrice: 400 })]);
    await eventually(async () => expect((await inbox(t, gone)).totalCount).toBe(1));
    await publishEvents(t, [{ topic: 'user.deactivated', payload: { userId: gone.userId }, audience: [gone.userId] }]);
    await publishEvents(t, [priceDropped({ userId: gone.userId, title: 'Lamp', previousPrice: 400, newPrice: 300 })]);
    await caughtUp(t, 'messaging.deactivation', 'user.deactivated');
    await caughtUp(t, 'messaging.price-drops', 'promotion.price_dropped');
    const rows = await t.stack.eventsDb.drizzle.execute(sql`select count(*) as n from messaging.conversations where buyer_id = ${gone.userId}`);
    expect(Number(((rows as any).rows ?? rows)[0].n)).toBe(0);
  });
});
