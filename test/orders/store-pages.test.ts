/**
 * A seller's stores with their orders and their conversations, read through
 * the gateway: each store's page is right, and the SQL the orders and
 * messaging subgraphs run does not grow with the number of stores (their
 * pages, totals, refunds and shipments come from one statement per kind).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { openStore } from '../helpers/catalog.ts';
import { send } from '../helpers/messaging.ts';
import { orderIn, placedOrder } from '../helpers/orders.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ env: { SUBGRAPH_TIMEOUT_MS: '30000' } });
}, 240_000);
afterAll(async () => {
  await t?.stop();
}, 60_000);

const STORES = `{ viewer { stores { id
  orders(first: 2) { totalCount pageInfo { hasNextPage } edges { node { id status refunds { amount { amount } } shipment { trackingNumber events { status } } } } }
  conversations(first: 2) { totalCount edges { node { id lastMessage { body } } } } } } }`;

/** A seller with `n` stores, each with a shipped order, a placed one, and a buyer's message. */
async function sellerWith(n: number, buyer: Account) {
  const seller = await registerUser(t.client);
  for (let i = 0; i < n; i++) {
    const storeId = (await openStore(seller.client)).id;
    await orderIn(t, buyer, seller, 'UNCONFIRMED_DELIVERY', { storeId });
    await placedOrder(t, buyer, seller, { storeId });
    await send(buyer.client, { storeId, body: `Hello store ${i + 1}` });
  }
  return seller;
}

/** The fewest statements the orders and messaging databases ran for `run`, over five runs (background work only adds some). */
async function statements(run: () => Promise<unknown>): Promise<{ orders: number; messaging: number }> {
  const { orders, messaging } = t.stack.subgraphs;
  await run(); // warm up
  const best = { orders: Infinity, messaging: Infinity };
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 50 + 37 * i));
    const before = { orders: orders.db.statements.count, messaging: messaging.db.statements.count };
    await run();
    best.orders = Math.min(best.orders, orders.db.statements.count - before.orders);
    best.messaging = Math.min(best.messaging, messaging.db.statements.count - before.messaging);
  }
  return best;
}

describe("a seller's stores with their orders and conversations", { timeout: 180_000 }, () => {
  it('shows each store its own orders and conversations, and costs as many statements for six stores as for one', async () => {
    const buyer = await registerUser(t.client);
    const [one, six] = [await sellerWith(1, buyer), await sellerWith(6, buyer)];
    const read = (seller: Account) => seller.client.data<{ viewer: { stores: any[] } }>(STORES);

    const { stores } = (await read(six)).viewer;
    expect(stores).toHaveLength(6);
    for (const s of stores) {
      expect(s.orders).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: false } });
      expect(s.orders.edges.map((e: any) => e.node.status).sort()).toEqual(['PAYMENT_REQUIRED', 'UNCONFIRMED_DELIVERY']);
      const shipped = s.orders.edges.find((e: any) => e.node.status === 'UNCONFIRMED_DELIVERY').node;
      expect(shipped).toMatchObject({ refunds: [], shipment: { trackingNumber: 'TRACK-1', events: [] } });
      expect(s.conversations.totalCount).toBe(1);
    }
    // every store's page is its own: six stores, six different orders and conversations
    expect(new Set(stores.flatMap((s) => s.orders.edges.map((e: any) => e.node.id))).size).toBe(12);
    expect(new Set(stores.map((s) => s.conversations.edges[0].node.lastMessage.body)).size).toBe(6);

    // one statement per store per kind would add five or more to each subgraph's count
    const [small, large] = [await statements(() => read(one)), await statements(() => read(six))];
    expect(large.orders - small.orders).toBeLessThan(3);
    expect(large.messaging - small.messaging).toBeLessThan(3);
  });
});
