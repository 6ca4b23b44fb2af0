/**
 * Helpers for the Message Center tests: stores to write to, messages, inboxes,
 * and events published the way the orders and promotions subgraphs publish them.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { publish, type NewEvent } from '../../platform/events/bus.ts';
import { GraphQLClient } from './client.ts';
import type { Person } from './accounts.ts';
import type { TestStack } from './stack.ts';

/**
 * Test-stack environment for these tests: the gateway waits up to 30 s for a
 * subgraph (default 5 s), so a loaded CI machine does not turn slowness into failures.
 */
export const PATIENT_GATEWAY = { SUBGRAPH_TIMEOUT_MS: '30000' };

export const MESSAGE_FIELDS = `id cursor senderRole body attachments { url contentType } read createdAt conversation { id }`;
export const CONVERSATION_FIELDS = `id category unreadCount archived updatedAt store { id } order { id } lastMessage { id body senderRole }`;

/** Opens a store owned by `owner` through the catalog; returns its id. */
export async function openStore(owner: Person, name = `Store ${crypto.randomUUID().slice(0, 6)}`): Promise<string> {
  const d = await owner.client.data<{ openStore: any }>(
    `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id name } userErrors { code message } } }`,
    { input: { name } },
  );
  if (d.openStore.userErrors.length) throw new Error(`openStore failed: ${JSON.stringify(d.openStore.userErrors)}`);
  return d.openStore.store.id;
}

export interface SendInput {
  conversationId?: string;
  storeId?: string;
  orderId?: string;
  body: string;
  attachments?: { url: string; contentType: string }[];
}

/** sendMessage's whole answer (errors included). */
export function sendMessage(client: GraphQLClient, input: SendInput) {
  return client.request<{ sendMessage: { message: any; userErrors: { code: string; field: string[] | null; message: string }[] } }>(
    `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { ${MESSAGE_FIELDS} } userErrors { field code message } } }`,
    { input },
  );
}

/** Sends and expects success; returns the message. */
export async function send(client: GraphQLClient, input: SendInput): Promise<any> {
  const r = await sendMessage(client, input);
  if (r.errors?.length) throw new Error(`sendMessage errors: ${JSON.stringify(r.errors)}`);
  if (r.data!.sendMessage.userErrors.length) throw new Error(`sendMessage refused: ${JSON.stringify(r.data!.sendMessage.userErrors)}`);
  return r.data!.sendMessage.message;
}

/**
 * A person's Message Center: User.conversations and User.unreadMessageCount,
 * fetched from the messaging subgraph exactly as the gateway asks for them
 * (an `_entities` call with the person's token).
 */
export async function inbox(t: TestStack, who: Person, args: { category?: string; archived?: boolean; first?: number; after?: string } = {}) {
  const d = await messagingSubgraph(t, who.token).data<{ _entities: any[] }>(
    `query($r: [_Any!]!, $category: ConversationCategory, $archived: Boolean, $first: Int, $after: String) {
       _entities(representations: $r) { ... on User { unreadMessageCount
         conversations(category: $category, archived: $archived, first: $first, after: $after) {
           totalCount pageInfo { hasNextPage endCursor }
           edges { cursor node { ${CONVERSATION_FIELDS} messages(first: 100) { edges { cursor node { ${MESSAGE_FIELDS} } } } } }
         } } } }`,
    { r: [{ __typename: 'User', id: who.userId }], ...args },
  );
  const u = d._entities[0];
  const c = u.conversations;
  return {
    unread: u.unreadMessageCount as number,
    totalCount: c.totalCount as number,
    pageInfo: c.pageInfo,
    conversations: c.edges.map((e: any) => ({ ...e.node, messages: e.node.messages.edges.map((m: any) => m.node) })) as any[],
  };
}

/** Publishes events on the bus as another subgraph would (committed at once). */
export async function publishEvents(t: TestStack, events: NewEvent[]): Promise<number[]> {
  const outbox = await t.stack.eventsDb.drizzle.transaction((tx) => publish(tx, events));
  // their positions on the bus (what consumers and cursors count in; on JetStream not the outbox's numbers)
  return t.stack.bus.positions(t.stack.eventsDb, 'test', outbox);
}

export function orderStatusChanged(o: {
  orderId: string;
  number: string;
  buyerId: string;
  storeId: string;
  sellerId: string;
  previousStatus?: string | null;
  status: string;
}): NewEvent {
  return {
    topic: 'order.status_changed',
    payload: { previousStatus: null, reason: null, at: new Date().toISOString(), ...o },
    audience: [o.buyerId, o.sellerId],
  };
}

export function priceDropped(p: { userId: string; productId?: string; title: string; previousPrice: number; newPrice: number }): NewEvent {
  return { topic: 'promotion.price_dropped', payload: { productId: crypto.randomUUID(), ...p }, audience: [p.userId] };
}

/** Retries `check` until it stops throwing (or the time is up, rethrowing its last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A client of the messaging subgraph itself (past the gateway), as the gateway calls it. */
export function messagingSubgraph(t: TestStack, token?: string): GraphQLClient {
  return new GraphQLClient(t.stack.urls.messaging).as(token).withHeaders({ 'x-subgraph-secret': t.stack.secret });
}

/** Resolves once a consumer has handled every event of its topic so far (on either bus). */
export async function caughtUp(t: TestStack, consumer: string, topic: string): Promise<void> {
  const rowsOf = (r: any) => (Array.isArray(r) ? r : r.rows);
  await eventually(async () => {
    const [pos] = rowsOf(await t.stack.eventsDb.drizzle.execute(sql`select position from events.consumers where name = ${consumer}`));
    // JetStream: not yet relayed from the outbox (never any on PostgreSQL)
    const [pending] = rowsOf(await t.stack.eventsDb.drizzle.execute(sql`select count(*) as n from events.log where topic = ${topic} and relay_pending`));
    const behind = pos ? await t.stack.bus.readAfter(Number(pos.position), { topics: [topic], limit: 1 }) : [];
    if (!pos || Number(pending.n) > 0 || behind.length)
      throw new Error(`${consumer} is at ${pos?.position}, ${topic} has ${pending.n} to relay and more after it`);
  });
}
