import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONVERSATION_FIELDS,
  MESSAGE_FIELDS,
  caughtUp,
  inbox,
  messagingSubgraph,
  openStore,
  orderStatusChanged,
  publishEvents,
  send,
  sendMessage,
  PATIENT_GATEWAY,
} from '../helpers/messaging.ts';
import { mintPerson, registerUser, type Person } from '../helpers/accounts.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const CONVERSATION = `query($id: ID!) { conversation(id: $id) { ${CONVERSATION_FIELDS} messages(first: 100) { edges { cursor node { ${MESSAGE_FIELDS} } } } } }`;
const STORE_CONVERSATIONS = `query($id: ID!, $archived: Boolean) { store(id: $id) { conversations(archived: $archived) { totalCount edges { node { id unreadCount archived } } } } }`;
const MUTATE = (name: string, extra = '') =>
  `mutation($id: ID!${extra ? ', $reason: String!' : ''}) { ${name}(conversationId: $id${extra}) { conversation { id unreadCount archived } userErrors { field code message } } }`;

describe('a buyer and a store talk in one SELLER conversation', () => {
  let t: TestStack;
  let seller: Person;
  let buyer: Person;
  let stranger: Person;
  let storeId: string;
  let conversationId: string;

  beforeAll(async () => {
    t = await startTestStack({ env: PATIENT_GATEWAY });
    [seller, buyer, stranger] = await Promise.all([mintPerson(t), mintPerson(t), mintPerson(t)]);
    storeId = await openStore(seller, 'Kettle Corner');
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('lets a buyer start a conversation with a store, and continue the same one', async () => {
    const first = await send(buyer.client, {
      storeId,
      body: 'Hello! Is the blue kettle in stock?',
      attachments: [{ url: 'https://img.example.test/kettle.png', contentType: 'image/png' }],
    });
    expect(first).toMatchObject({ senderRole: 'BUYER', read: true, attachments: [{ url: 'https://img.example.test/kettle.png', contentType: 'image/png' }] });
    expect(first.cursor).toMatch(/^\d+$/);
    conversationId = first.conversation.id;
    const second = await send(buyer.client, { storeId, body: 'It is for a gift.' });
    expect(second.conversation.id).toBe(conversationId);
    expect(Number(second.cursor)).toBeGreaterThan(Number(first.cursor));

    const { conversation } = await buyer.client.data(CONVERSATION, { id: conversationId });
    expect(conversation).toMatchObject({
      category: 'SELLER',
      store: { id: storeId },
      unreadCount: 0,
      archived: false,
      lastMessage: { body: 'It is for a gift.' },
    });
    expect(conversation.messages.edges.map((e: any) => e.node.body)).toEqual(['It is for a gift.', 'Hello! Is the blue kettle in stock?']);
  });

  it('shows the store’s owner the conversation, unread, in Store.conversations and the unread count', async () => {
    const d = await seller.client.data(STORE_CONVERSATIONS, { id: storeId });
    expect(d.store.conversations).toEqual({ totalCount: 1, edges: [{ node: { id: conversationId, unreadCount: 2, archived: false } }] });
    const box = await inbox(t, seller);
    expect(box.unread).toBe(2);
    expect(box.conversations.map((c) => c.id)).toEqual([conversationId]);
  });

  it('lets the owner answer, in the store’s name, and the buyer’s unread count follows', async () => {
    const reply = await send(seller.client, { conversationId, body: 'Yes, two left.' });
    expect(reply).toMatchObject({ senderRole: 'SELLER', read: true });
    const named = await seller.client.data(`query($id: ID!) { conversation(id: $id) { lastMessage { senderName } } }`, { id: conversationId });
    expect(named.conversation.lastMessage.senderName).toBe('Kettle Corner');
    const b = await inbox(t, buyer);
    expect(b.unread).toBe(1);
    expect(b.conversations[0]).toMatchObject({ id: conversationId, unreadCount: 1 });
    expect(b.conversations[0].messages.map((m: any) => m.read)).toEqual([false, true, true]);
  });

  it('pages messages newest first with cursors', async () => {
    const page = async (after?: string) =>
      (
        await buyer.client.data(
          `query($id: ID!, $after: String) { conversation(id: $id) { messages(first: 2, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { body } } } } }`,
          { id: conversationId, after },
        )
      ).conversation.messages;
    const p1 = await page();
    expect(p1.edges.map((e: any) => e.node.body)).toEqual(['Yes, two left.', 'It is for a gift.']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = await page(p1.pageInfo.endCursor);
    expect(p2.edges.map((e: any) => e.node.body)).toEqual(['Hello! Is the blue kettle in stock?']);
    expect(p2.pageInfo.hasNextPage).toBe(false);
  });

  it('marks read for the viewer’s side only', async () => {
    await send(buyer.client, { conversationId, body: 'Great, thanks.' });
    const d = await buyer.client.data(MUTATE('markConversationRead'), { id: conversationId });
    expect(d.markConversationRead).toEqual({ conversation: { id: conversationId, unreadCount: 0, archived: false }, userErrors: [] });
    expect((await inbox(t, buyer)).unread).toBe(0);
    expect((await inbox(t, seller)).unread).toBe(3);
  });

  it('archives and unarchives per side, and archived conversations still count as unread', async () => {
    const a = await seller.client.data(MUTATE('archiveConversation'), { id: conversationId });
    expect(a.archiveConversation.conversation.archived).toBe(true);
    expect((await seller.client.data(STORE_CONVERSATIONS, { id: storeId, archived: false })).store.conversations.totalCount).toBe(0);
    expect((await seller.client.data(STORE_CONVERSATIONS, { id: storeId, archived: true })).store.conversations.totalCount).toBe(1);
    expect((await inbox(t, seller)).unread).toBe(3);
    expect((await inbox(t, buyer, { archived: false })).totalCount).toBe(1); // the buyer's side is untouched
    const u = await seller.client.data(MUTATE('unarchiveConversation'), { id: conversationId });
    expect(u.unarchiveConversation.conversation.archived).toBe(false);
  });

  it('keeps strangers out: null for reads, FORBIDDEN for acts, nothing revealed', async () => {
    expect((await stranger.client.data(CONVERSATION, { id: conversationId })).conversation).toBeNull();
    expect((await stranger.client.data(CONVERSATION, { id: 'not-a-uuid' })).conversation).toBeNull();
    const reply = await sendMessage(stranger.client, { conversationId, body: 'let me in' });
    expect(reply.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const m of ['markConversationRead', 'archiveConversation', 'unarchiveConversation']) {
      const r = await stranger.client.request(MUTATE(m), { id: conversationId });
      expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const unknown = await stranger.client.request(MUTATE(m), { id: crypto.randomUUID() });
      expect(unknown.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const store = await stranger.client.request(STORE_CONVERSATIONS, { id: storeId });
    expect(store.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(store.data)).not.toContain(conversationId);
    const direct = await messagingSubgraph(t, stranger.token).request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Conversation { id } ... on Message { id body } } }`,
      { r: [{ __typename: 'Conversation', id: conversationId }] },
    );
    expect(direct.data?._entities).toEqual([null]);
    const other = await messagingSubgraph(t, stranger.token).request(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { unreadMessageCount } } }`,
      { r: [{ __typename: 'User', id: buyer.userId }] },
    );
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await inbox(t, stranger)).totalCount).toBe(0);
  });

  it('asks a guest to sign in', async () => {
    const r = await sendMessage(t.client, { storeId, body: 'hi' });
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const q = await t.client.request(CONVERSATION, { id: conversationId });
    expect(q.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses bad input with a clear error and stores nothing', async () => {
    const fresh = await mintPerson(t);
    const cases: [Parameters<typeof send>[1], string, string][] = [
      [{ storeId, body: '' }, 'INVALID_INPUT', 'body'],
      [{ storeId, body: '   ' }, 'INVALID_INPUT', 'body'],
      [{ storeId, body: 'x'.repeat(4001) }, 'INVALID_INPUT', 'body'],
      [
        { storeId, body: 'six', attachments: Array.from({ length: 6 }, (_, i) => ({ url: `https://x.test/${i}.png`, contentType: 'image/png' })) },
        'INVALID_INPUT',
        'attachments',
      ],
      [{ storeId, body: 'js', attachments: [{ url: 'javascript:alert(1)', contentType: 'text/html' }] }, 'INVALID_INPUT', 'url'],
      [{ storeId, body: 'data', attachments: [{ url: 'data:text/html;base64,PHNjcmlwdD4=', contentType: 'text/html' }] }, 'INVALID_INPUT', 'url'],
      [{ storeId, body: 'long', attachments: [{ url: `https://x.test/${'a'.repeat(2040)}`, contentType: 'image/png' }] }, 'INVALID_INPUT', 'url'],
      [{ storeId, body: 'type', attachments: [{ url: 'https://x.test/a.png', contentType: 'png' }] }, 'INVALID_INPUT', 'contentType'],
      [{ storeId, conversationId, body: 'both' }, 'INVALID_INPUT', 'storeId'],
      [{ body: 'neither' }, 'INVALID_INPUT', 'conversationId'],
      [{ storeId: crypto.randomUUID(), body: 'nobody home' }, 'NOT_FOUND', 'storeId'],
      [{ storeId: 'store-1', body: 'not an id' }, 'NOT_FOUND', 'storeId'],
      [{ storeId, orderId: crypto.randomUUID(), body: 'about an order I never made' }, 'INVALID_INPUT', 'orderId'],
    ];
    for (const [input, code, field] of cases) {
      const r = await sendMessage(fresh.client, input);
      expect(r.errors, JSON.stringify(input).slice(0, 80)).toBeUndefined();
      const errs = r.data!.sendMessage.userErrors;
      expect(errs[0]?.code, JSON.stringify(input).slice(0, 80)).toBe(code);
      expect(errs[0].field?.at(-1)).toBe(field);
      expect(r.data!.sendMessage.message).toBeNull();
    }
    const own = await sendMessage(seller.client, { storeId, body: 'talking to myself' });
    expect(own.data!.sendMessage.userErrors[0].code).toBe('INVALID_INPUT');
    expect((await inbox(t, fresh)).totalCount).toBe(0);
    expect((await inbox(t, seller)).totalCount).toBe(1);
    const max = await send(fresh.client, { storeId, body: 'é'.repeat(4000) });
    expect(max.body).toHaveLength(4000);
  });

  it('links a message to one of the buyer’s orders with that store, and Order.conversation finds it', async () => {
    const orderId = crypto.randomUUID();
    await publishEvents(t, [
      orderStatusChanged({ orderId, number: '2026-000777', buyerId: buyer.userId, storeId, sellerId: seller.userId, status: 'SHIPMENT_REQUIRED' }),
    ]);
    await caughtUp(t, 'messaging.order-updates', 'order.status_changed');
    const m = await send(buyer.client, { storeId, orderId, body: 'When will my order ship?' });
    expect(m.conversation.id).toBe(conversationId);
    expect((await buyer.client.data(CONVERSATION, { id: conversationId })).conversation.order).toEqual({ id: orderId });
    // a stranger cannot talk about that order
    const foreign = await sendMessage(stranger.client, { storeId, orderId, body: 'mine?' });
    expect(foreign.data!.sendMessage.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'orderId'] });

    const orderConversation = async (who: Person) =>
      (
        await messagingSubgraph(t, who.token).data(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { conversation { id } } } }`, {
          r: [{ __typename: 'Order', id: orderId }],
        })
      )._entities[0].conversation;
    expect(await orderConversation(buyer)).toEqual({ id: conversationId });
    expect(await orderConversation(seller)).toEqual({ id: conversationId });
    expect(await orderConversation(stranger)).toBeNull();
  });

  it('after the buyer reports the conversation, the store’s messages are refused (BLOCKED) and the buyer may still write', async () => {
    const bad = await buyer.client.data(MUTATE('reportConversation', ', reason: $reason'), { id: conversationId, reason: '' });
    expect(bad.reportConversation.userErrors[0].code).toBe('INVALID_INPUT');
    const ok = await buyer.client.data(MUTATE('reportConversation', ', reason: $reason'), {
      id: conversationId,
      reason: 'Asked me to pay outside the platform.',
    });
    expect(ok.reportConversation.userErrors).toEqual([]);
    const before = (await inbox(t, buyer)).unread;
    const refused = await sendMessage(seller.client, { conversationId, body: 'Pay me by wire!' });
    expect(refused.data!.sendMessage.userErrors[0].code).toBe('BLOCKED');
    expect((await inbox(t, buyer)).unread).toBe(before);
    await send(buyer.client, { conversationId, body: 'I reported you.' });
  });

  it('names a buyer by their full name from their account, and a store by its name', async () => {
    const ada = await registerUser(t.client, { fullName: 'Ada Lovelace' });
    const m = await send(ada.client, { storeId, body: 'Do you ship to London?' });
    const d = await seller.client.data(`query($id: ID!) { conversation(id: $id) { lastMessage { senderName senderRole } } }`, { id: m.conversation.id });
    expect(d.conversation.lastMessage).toEqual({ senderName: 'Ada Lovelace', senderRole: 'BUYER' });
    await send(seller.client, { conversationId: m.conversation.id, body: 'We do.' });
    const b = await ada.client.data(`query($id: ID!) { conversation(id: $id) { lastMessage { senderName senderRole } } }`, { id: m.conversation.id });
    expect(b.conversation.lastMessage).toEqual({ senderName: 'Kettle Corner', senderRole: 'SELLER' });
  });
});
