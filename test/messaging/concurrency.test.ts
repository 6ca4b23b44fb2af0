import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { PATIENT_GATEWAY, inbox, openStore, send, sendMessage } from '../helpers/messaging.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const RATE = 60;

describe('unread counts and the send rate under concurrency', () => {
  let t: TestStack;
  let seller: Person;
  let storeId: string;

  /** Moves the clock to the start of a fresh one-minute rate window. */
  const freshWindow = () => {
    const ms = t.clock.now().getTime();
    t.clock.advance((60_000 - (ms % 60_000)) / 1000 + 0.5);
  };

  beforeAll(async () => {
    // the gateway's per-subgraph timeout: a burst of 65 writes on a busy CI machine takes a while
    t = await startTestStack({ env: { ...PATIENT_GATEWAY, SUBGRAPH_TIMEOUT_MS: '60000', MESSAGE_RATE_PER_MIN: String(RATE) } });
    seller = await mintPerson(t);
    storeId = await openStore(seller, 'Busy Bazaar');
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it.skipIf(!onPostgres)(
    '(PostgreSQL) 50 concurrent first messages make one conversation, and the owner’s unread count is exactly 50',
    async () => {
      freshWindow();
      const buyer = await mintPerson(t);
      const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => send(buyer.client, { storeId, body: `message ${i}` })));
      expect(new Set(sent.map((m) => m.conversation.id)).size).toBe(1);
      expect(new Set(sent.map((m) => m.cursor)).size).toBe(50);
      const box = await inbox(t, seller);
      const c = box.conversations.find((x) => x.id === sent[0].conversation.id);
      expect(c.unreadCount).toBe(50);
      expect(c.messages.filter((m: any) => !m.read)).toHaveLength(50);
      expect(box.unread).toBe(50);
    },
    120_000,
  );

  it.skipIf(!onPostgres)(
    '(PostgreSQL) both sides writing at once while the owner marks read keeps each side’s count exact',
    async () => {
      freshWindow();
      const buyer = await mintPerson(t);
      const first = await send(buyer.client, { storeId, body: 'hello' });
      const conversationId = first.conversation.id;
      const markRead = () =>
        seller.client.data(`mutation($id: ID!) { markConversationRead(conversationId: $id) { userErrors { code } } }`, { id: conversationId });
      await Promise.all([
        ...Array.from({ length: 25 }, (_, i) => send(buyer.client, { conversationId, body: `buyer ${i}` })),
        ...Array.from({ length: 25 }, (_, i) => send(seller.client, { conversationId, body: `seller ${i}` })),
        markRead(),
        markRead(),
      ]);
      const sellerSide = (await inbox(t, seller)).conversations.find((x) => x.id === conversationId);
      expect(sellerSide.unreadCount).toBe(sellerSide.messages.filter((m: any) => !m.read).length);
      const buyerSide = (await inbox(t, buyer)).conversations.find((x) => x.id === conversationId);
      expect(buyerSide.unreadCount).toBe(25);
      expect(buyerSide.messages.filter((m: any) => !m.read)).toHaveLength(25);
    },
    120_000,
  );

  it(`refuses the sender’s message past ${RATE} a minute with RATE_LIMITED, exactly, and lets them write again a minute later`, async () => {
    freshWindow();
    const buyer = await mintPerson(t);
    await send(buyer.client, { storeId, body: 'first' });
    const results = await Promise.all(Array.from({ length: RATE + 4 }, (_, i) => sendMessage(buyer.client, { storeId, body: `burst ${i}` })));
    const codes = results.map((r) => r.data!.sendMessage.userErrors[0]?.code ?? 'OK');
    expect(codes.filter((c) => c === 'OK')).toHaveLength(RATE - 1);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(5);
    const c = (await inbox(t, seller)).conversations.find((x) => x.messages.some((m: any) => m.body === 'first'));
    expect(c.unreadCount).toBe(RATE);
    t.clock.advance(61);
    await send(buyer.client, { storeId, body: 'a minute later' });
  }, 120_000);
});
