/**
 * Subscription.messageAdded on the messaging subgraph itself (its graphql-ws
 * endpoint, as the gateway's subscription layer reaches it).
 */
import crypto from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLClient } from '../helpers/client.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { eventually, messagingSubgraph, orderStatusChanged, publishEvents, PATIENT_GATEWAY } from '../helpers/messaging.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const MESSAGE_ADDED = `subscription($conversationId: ID, $after: String) {
  messageAdded(conversationId: $conversationId, after: $after) { id cursor body senderRole read conversation { id category } } }`;

interface Stream {
  events: any[];
  errors: any[];
  completed: boolean;
  stop(): void;
}

describe('messageAdded on the messaging subgraph', () => {
  let t: TestStack;
  let seller: Person;
  let buyer: Person;
  let storeId: string;
  const clients: Client[] = [];

  const wsClient = (token?: string): Client => {
    const secret = t.stack.secret;
    class SubgraphSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { 'x-subgraph-secret': secret } });
      }
    }
    const c = createClient({
      url: t.stack.urls.messaging.replace(/^http/, 'ws'),
      webSocketImpl: SubgraphSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
    });
    clients.push(c);
    return c;
  };

  const subscribe = (who: Person | null, variables: Record<string, unknown> = {}): Stream => {
    const s: Stream = { events: [], errors: [], completed: false, stop: () => {} };
    s.stop = wsClient(who?.token).subscribe(
      { query: MESSAGE_ADDED, variables },
      {
        next: (r) => (r.errors ? s.errors.push(...r.errors) : s.events.push((r.data as any).messageAdded)),
        error: (e) => s.errors.push(e),
        complete: () => (s.completed = true),
      },
    );
    return s;
  };

  /** Sends straight to the messaging subgraph. */
  const send = async (who: Person, input: Record<string, unknown>) => {
    const d = await messagingSubgraph(t, who.token).data<{ sendMessage: any }>(
      `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id cursor body conversation { id } } userErrors { code } } }`,
      { input },
    );
    expect(d.sendMessage.userErrors).toEqual([]);
    return d.sendMessage.message;
  };

  beforeAll(async () => {
    t = await startTestStack({ env: PATIENT_GATEWAY });
    [seller, buyer] = await Promise.all([mintPerson(t), mintPerson(t)]);
    const catalog = new GraphQLClient(t.stack.urls.catalog).as(seller.token).withHeaders({ 'x-subgraph-secret': t.stack.secret });
    const d = await catalog.data<{ openStore: any }>(`mutation { openStore(input: { name: "Lamp Loft" }) { store { id } userErrors { code } } }`);
    storeId = d.openStore.store.id;
  }, 180_000);
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t?.stop();
  });

  it('delivers a message to its recipient and not to its sender, replaying from the cursor first', async () => {
    const sellerStream = subscribe(seller, { after: '0' });
    const buyerStream = subscribe(buyer, { after: '0' });
    const first = await send(buyer, { storeId, body: 'Does the lamp come with a bulb?' });
    await eventually(async () => expect(sellerStream.events.map((e) => e.id)).toEqual([first.id]));
    expect(sellerStream.events[0]).toMatchObject({
      cursor: first.cursor,
      body: first.body,
      senderRole: 'BUYER',
      read: false,
      conversation: { id: first.conversation.id, category: 'SELLER' },
    });

    const reply = await send(seller, { conversationId: first.conversation.id, body: 'Yes, a warm white one.' });
    await eventually(async () => expect(buyerStream.events.map((e) => e.id)).toEqual([reply.id]));
    await new Promise((r) => setTimeout(r, 200));
    expect(sellerStream.events).toHaveLength(1); // never its own reply
    expect(buyerStream.errors).toEqual([]);
    sellerStream.stop();
    buyerStream.stop();
  });

  it('resumes after a cursor: everything since, in order, once, then live', async () => {
    const [conversation] = (
      await messagingSubgraph(t, buyer.token).data<{ _entities: any[] }>(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { conversations { edges { node { id } } } } } }`,
        { r: [{ __typename: 'User', id: buyer.userId }] },
      )
    )._entities[0].conversations.edges.map((e: any) => e.node.id);
    const seen = await send(seller, { conversationId: conversation, body: 'one' });
    const missed1 = await send(seller, { conversationId: conversation, body: 'two' });
    const missed2 = await send(seller, { conversationId: conversation, body: 'three' });
    const stream = subscribe(buyer, { after: seen.cursor });
    await eventually(async () => expect(stream.events.map((e) => e.body)).toEqual(['two', 'three']));
    expect(stream.events.map((e) => e.cursor)).toEqual([missed1.cursor, missed2.cursor]);
    await send(seller, { conversationId: conversation, body: 'four' });
    await eventually(async () => expect(stream.events.map((e) => e.body)).toEqual(['two', 'three', 'four']));
    stream.stop();
  });

  it('delivers SYSTEM messages to their person, and conversationId narrows to one conversation', async () => {
    const all = subscribe(buyer, { after: '0' });
    const [sellerConversation] = await eventually(async () => {
      const ids = [...new Set(all.events.map((e) => e.conversation.id))];
      expect(ids.length).toBe(1);
      return ids;
    });
    const narrowed = subscribe(buyer, { conversationId: sellerConversation, after: '0' });
    await publishEvents(t, [
      orderStatusChanged({
        orderId: crypto.randomUUID(),
        number: '2026-000900',
        buyerId: buyer.userId,
        storeId,
        sellerId: seller.userId,
        status: 'SHIPMENT_REQUIRED',
      }),
    ]);
    await eventually(async () =>
      expect(all.events.at(-1)).toMatchObject({
        senderRole: 'SYSTEM',
        body: 'Order 2026-000900 is now awaiting shipment.',
        conversation: { category: 'ORDER_UPDATES' },
      }),
    );
    await eventually(async () => expect(narrowed.events.length).toBe(all.events.length - 1));
    expect(narrowed.events.every((e) => e.conversation.id === sellerConversation)).toBe(true);
    all.stop();
    narrowed.stop();
  });

  it('refuses a stranger’s conversationId and a guest', async () => {
    const stranger = await mintPerson(t);
    const [conversation] = (
      await messagingSubgraph(t, buyer.token).data<{ _entities: any[] }>(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { conversations(category: SELLER) { edges { node { id } } } } } }`,
        { r: [{ __typename: 'User', id: buyer.userId }] },
      )
    )._entities[0].conversations.edges.map((e: any) => e.node.id);
    const peek = subscribe(stranger, { conversationId: conversation, after: '0' });
    await eventually(async () => expect(peek.errors.length).toBeGreaterThan(0));
    expect(JSON.stringify(peek.errors)).toContain('FORBIDDEN');
    expect(peek.events).toEqual([]);
    const guest = subscribe(null, { after: '0' });
    await eventually(async () => expect(guest.errors.length).toBeGreaterThan(0)); // refused: sign in to subscribe
    expect(JSON.stringify(guest.errors)).toContain('UNAUTHENTICATED');
    expect(guest.events).toEqual([]);
  });
});
