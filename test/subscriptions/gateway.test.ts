import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TokenSigner } from '../../platform/auth.ts';
import { startSubgraph } from '../../subgraphs/runtime.ts';
import { createLogger } from '../../platform/log.ts';
import { login, mintPerson, registerUser, type Account } from '../helpers/accounts.ts';
import { api, createProduct, openStore as openCatalogStore } from '../helpers/catalog.ts';
import { M, pay, placedOrder } from '../helpers/orders.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { connect, eventually, subscribe, type Collected } from '../helpers/subscriptions.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The bodies a subscriber received that start with `tag`, without the priming pings. */
const bodies = (sub: Collected, tag: string) => sub.events.map((e) => e.messageAdded.body as string).filter((b) => b.startsWith(tag) && !b.includes(' ping '));

const MESSAGES = `subscription Inbox($after: String) {
  messageAdded(after: $after) { cursor body senderRole conversation { id store { id name } } }
}`;

async function openStore(seller: Account, name: string): Promise<string> {
  const d = await seller.client.data<{ openStore: { store: { id: string } } }>(
    `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id } userErrors { code message } } }`,
    { input: { name } },
  );
  return d.openStore.store.id;
}

async function send(buyer: Account, storeId: string, body: string): Promise<void> {
  const d = await buyer.client.data<{ sendMessage: { message: { id: string } | null; userErrors: unknown[] } }>(
    `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } userErrors { code message } } }`,
    { input: { storeId, body } },
  );
  if (!d.sendMessage.message) throw new Error(`sendMessage failed: ${JSON.stringify(d.sendMessage.userErrors)}`);
}

describe('subscriptions through the gateway websocket', () => {
  let t: TestStack;
  let seller: Account;
  let buyer: Account;
  let storeId: string;
  beforeAll(async () => {
    // one frame per turn of the event loop: every later frame of a burst waits in the gateway's
    // writer (writer.ts), so each test below also checks order and completeness across turns
    t = await startTestStack({ env: { SUBSCRIPTION_INIT_TIMEOUT_MS: '500', SUBSCRIPTION_WRITES_PER_TURN: '1' } });
    seller = await registerUser(t.client, { fullName: 'Sam Seller' });
    buyer = await registerUser(t.client, { fullName: 'Bea Buyer' });
    storeId = await openStore(seller, 'Corner Shop');
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  /**
   * Makes sure `sub` is live end to end (the subgraph listens): the buyer sends
   * `<tag> ping <i>` until one arrives, then waits for the last one sent.
   */
  async function primed(sub: Collected, tag: string) {
    for (let i = 0; i < 40; i++) {
      await send(buyer, storeId, `${tag} ping ${i}`);
      const seen = () => sub.events.some((e) => String(e.messageAdded.body).startsWith(`${tag} ping`));
      try {
        await eventually(seen, 300, 'a ping');
      } catch {
        continue;
      }
      await eventually(() => sub.events.some((e) => e.messageAdded.body === `${tag} ping ${i}`), 5_000, 'the last ping');
      return;
    }
    throw new Error('the subscription never went live');
  }

  /** Waits until `n` upstream subscriptions are open (and the subgraph had time to start listening). */
  async function upstreamReady(n: number) {
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() >= n, 5_000, 'the upstream subscription');
    await sleep(150);
  }

  it('delivers an event with fields of other subgraphs resolved (the store name comes from catalog)', async () => {
    const ws = connect(t, seller.token);
    const sub = subscribe(ws, MESSAGES);
    await primed(sub, 'cross');
    await send(buyer, storeId, 'cross: Is this still available?');
    await eventually(() => bodies(sub, 'cross:').length === 1, 5_000, 'the message');
    const result = sub.results[sub.results.length - 1];
    expect(result.errors).toBeUndefined();
    const event = result.data as any;
    expect(event.messageAdded).toMatchObject({
      body: 'cross: Is this still available?',
      senderRole: expect.any(String),
      conversation: { store: { id: storeId, name: 'Corner Shop' } },
    });
    expect(typeof event.messageAdded.cursor).toBe('string');
    sub.unsubscribe();
    await ws.dispose();
  });

  it('delivers order status changes to buyer and seller with the store and products from catalog', async () => {
    const sellerP = await mintPerson(t, { via: api(t) });
    const buyerP = await mintPerson(t, { via: api(t) });
    const store = await openCatalogStore(sellerP.client, 'Lamp Land');
    const product = await createProduct(sellerP.client, store.id, { title: 'Desk lamp' });
    // after "0": these people are new, so the replay holds exactly their events, however late the upstream starts
    const ORDERS = `subscription { orderStatusChanged(after: "0") { status previousStatus order { id store { name } lines { product { title } } } } }`;
    const [wsBuyer, wsSeller] = [connect(t, buyerP.token), connect(t, sellerP.token)];
    const forBuyer = subscribe(wsBuyer, ORDERS);
    const forSeller = subscribe(wsSeller, ORDERS);
    await upstreamReady(2);
    const order = await placedOrder(t, buyerP, sellerP, { storeId: store.id, productId: product.id });
    const paid = await pay(buyerP, [order.id]);
    expect(paid.userErrors).toEqual([]);
    const shipped = await sellerP.client.data(M.ship, { id: order.id, tn: 'TRACK-1' });
    expect(shipped.shipOrder.userErrors).toEqual([]);
    const expected = { id: order.id, store: { name: 'Lamp Land' }, lines: [{ product: { title: 'Desk lamp' } }] };
    for (const sub of [forBuyer, forSeller]) {
      await eventually(() => sub.events.some((e) => e.orderStatusChanged.status === 'UNCONFIRMED_DELIVERY'), 5_000, 'the shipment');
      expect(sub.results.every((r) => r.errors === undefined)).toBe(true);
      expect(sub.events.map((e) => e.orderStatusChanged).filter((e) => e.previousStatus !== null)).toEqual([
        { status: 'SHIPMENT_REQUIRED', previousStatus: 'PAYMENT_REQUIRED', order: expected },
        { status: 'UNCONFIRMED_DELIVERY', previousStatus: 'SHIPMENT_REQUIRED', order: expected },
      ]);
    }
    await wsBuyer.dispose();
    await wsSeller.dispose();
  });

  it('gives each person its own answer to one event: the same live subscription of an order’s buyer and seller is never shared, and each learns its own role', async () => {
    const sellerP = await mintPerson(t, { via: api(t) });
    const buyerP = await mintPerson(t, { via: api(t) });
    const store = await openCatalogStore(sellerP.client, 'Role Shop');
    const product = await createProduct(sellerP.client, store.id, { title: 'Teapot' });
    const orders = t.stack.subgraphs.orders.server;
    await eventually(() => orders.executions() === 0, 5_000, 'no subscription left in orders');
    // the same document and variables, live (no `after`): only who asks differs
    const ROLES = `subscription { orderStatusChanged { cursor status viewerRole order { id } } }`;
    const [wsBuyer, wsSeller] = [connect(t, buyerP.token), connect(t, sellerP.token)];
    const forBuyer = subscribe(wsBuyer, ROLES);
    const forSeller = subscribe(wsSeller, ROLES);
    await eventually(() => orders.executions() === 2, 5_000, 'a subscription per person in orders');
    expect(t.stack.gateway.subscriptions.activeUpstream()).toBe(2);
    const order = await placedOrder(t, buyerP, sellerP, { storeId: store.id, productId: product.id });
    expect((await pay(buyerP, [order.id])).userErrors).toEqual([]);
    const paid = (sub: Collected) => sub.events.map((e) => e.orderStatusChanged).find((e) => e.status === 'SHIPMENT_REQUIRED');
    await eventually(() => paid(forBuyer) !== undefined && paid(forSeller) !== undefined, 5_000, 'the payment on both sides');
    // one event (one cursor), two answers
    expect(paid(forBuyer).cursor).toBe(paid(forSeller).cursor);
    expect(paid(forBuyer)).toMatchObject({ viewerRole: 'BUYER', order: { id: order.id } });
    expect(paid(forSeller)).toMatchObject({ viewerRole: 'SELLER', order: { id: order.id } });
    expect(forBuyer.events.every((e) => e.orderStatusChanged.viewerRole === 'BUYER')).toBe(true);
    expect(forSeller.events.every((e) => e.orderStatusChanged.viewerRole === 'SELLER')).toBe(true);
    await wsBuyer.dispose();
    await wsSeller.dispose();
  });

  it('refuses an anonymous subscription with UNAUTHENTICATED', async () => {
    const ws = connect(t);
    const sub = subscribe(ws, MESSAGES);
    await sub.ended();
    expect(sub.error).toEqual([expect.objectContaining({ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } })]);
    await ws.dispose();
  });

  it('closes a connection whose token is not valid with 4401', async () => {
    const ws = connect(t, 'not.a.token');
    const sub = subscribe(ws, MESSAGES);
    await sub.ended();
    expect(ws.closes[0]?.code).toBe(4401);
    await ws.dispose();
  });

  it('serves only subscriptions over the websocket, validated against the API schema', async () => {
    const ws = connect(t, seller.token);
    const query = subscribe(ws, '{ __typename }');
    await query.ended();
    expect((query.error as any[])[0].extensions.code).toBe('BAD_REQUEST');
    const invalid = subscribe(ws, 'subscription { messageAdded { noSuchField } }');
    await invalid.ended();
    expect((invalid.error as any[])[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const internal = subscribe(ws, 'subscription { messageAdded { id } _service { sdl } }');
    await internal.ended();
    expect(internal.error).toBeTruthy();
    await ws.dispose();
  });

  it('applies the HTTP path’s depth limit to subscriptions too', async () => {
    const ws = connect(t, seller.token);
    let deep = 'id';
    for (let i = 0; i < 8; i++) deep = `conversation { lastMessage { ${deep} } }`;
    const sub = subscribe(ws, `subscription { messageAdded { ${deep} } }`);
    await sub.ended();
    expect((sub.error as any[])[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    await ws.dispose();
  });

  it('caps the subscriptions of one connection (SUBSCRIPTION_MAX_PER_CONNECTION, default 20)', async () => {
    const ws = connect(t, seller.token);
    const subs = Array.from({ length: 21 }, () => subscribe(ws, MESSAGES));
    await subs[20].ended();
    expect((subs[20].error as any[])[0].extensions.code).toBe('RATE_LIMITED');
    expect(subs.slice(0, 20).every((s) => s.error === undefined)).toBe(true);
    await ws.dispose();
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 0, 5_000, 'the upstream subscriptions to end');
  });

  it('closes a socket that never sends connection_init (4408), and one that sends an oversized frame (1009)', async () => {
    const closeOf = (ws: WebSocket) => new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const silent = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    expect(await closeOf(silent)).toBe(4408);
    const big = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    await new Promise((r) => big.on('open', r));
    const closed = closeOf(big);
    big.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(t.stack.gateway.subscriptions.options.maxFrameBytes + 1) } }));
    expect(await closed).toBe(1009);
  });

  it('delivers only the viewer’s own events: not to a stranger, not back to the sender', async () => {
    const stranger = await registerUser(t.client);
    const [wsSeller, wsStranger, wsBuyer] = [connect(t, seller.token), connect(t, stranger.token), connect(t, buyer.token)];
    const forSeller = subscribe(wsSeller, MESSAGES);
    const forStranger = subscribe(wsStranger, MESSAGES);
    const forBuyer = subscribe(wsBuyer, MESSAGES);
    await upstreamReady(3);
    await primed(forSeller, 'own');
    await sleep(300);
    await send(buyer, storeId, 'own: only for the seller');
    await eventually(() => bodies(forSeller, 'own:').length === 1, 5_000, 'the message');
    await sleep(300);
    expect(bodies(forSeller, 'own:')).toEqual(['own: only for the seller']);
    expect(forStranger.results).toEqual([]);
    expect(forBuyer.results).toEqual([]);
    for (const ws of [wsSeller, wsStranger, wsBuyer]) await ws.dispose();
  });

  it('resumes with `after`: a reconnecting client gets what it missed, in order, with no gap and no duplicate', async () => {
    const first = connect(t, seller.token);
    const live = subscribe(first, MESSAGES);
    await primed(live, 'seq');
    await send(buyer, storeId, 'seq 1');
    await send(buyer, storeId, 'seq 2');
    await eventually(() => bodies(live, 'seq').length === 2, 5_000, 'two messages');
    expect(bodies(live, 'seq')).toEqual(['seq 1', 'seq 2']);
    const cursor = live.events[live.events.length - 1].messageAdded.cursor;
    await first.dispose(); // the phone goes into a tunnel
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 0, 5_000, 'the upstream to end');
    await send(buyer, storeId, 'seq 3');
    await send(buyer, storeId, 'seq 4');

    const again = connect(t, seller.token);
    const resumed = subscribe(again, MESSAGES, { after: cursor });
    await resumed.waitFor(2);
    await primed(resumed, 'seq');
    await send(buyer, storeId, 'seq 5');
    await eventually(() => bodies(resumed, 'seq').length === 3, 5_000, 'the live message');
    await sleep(200);
    expect(bodies(resumed, 'seq')).toEqual(['seq 3', 'seq 4', 'seq 5']);
    expect(resumed.events[0].messageAdded.body).toBe('seq 3'); // the replay comes first
    await again.dispose();
  });

  it('survives a restart of the subgraph: the gateway re-subscribes after the last cursor, nothing lost or repeated, for each of two sessions whose subscriptions share one upstream subscription', async () => {
    const ws = connect(t, seller.token);
    const sub = subscribe(ws, MESSAGES);
    const laptop = await login(t.client, seller.email, seller.password); // another session of the seller
    const ws2 = connect(t, laptop.token);
    const sub2 = subscribe(ws2, MESSAGES);
    await primed(sub, 'restart');
    await primed(sub2, 'restart-laptop');
    await send(buyer, storeId, 'restart: before');
    await eventually(() => bodies(sub, 'restart:').length === 1 && bodies(sub2, 'restart:').length === 1, 5_000, 'the first message');
    expect(t.stack.subgraphs.messaging.server.executions()).toBe(1); // one person's two sessions: one upstream subscription

    const old = t.stack.subgraphs.messaging;
    await old.stop();
    const restarted = await startSubgraph('messaging', {
      config: t.config,
      keys: t.keys,
      secret: t.stack.secret,
      clock: t.clock,
      log: createLogger('silent'),
      port: old.port,
      pglite: t.databaseUrl ? undefined : (old.db.drizzle as unknown as { $client: any }).$client,
      bus: t.stack.bus,
      urls: t.stack.urls,
    });
    t.stack.subgraphs.messaging = restarted;
    // sent while the gateway may still be re-connecting: replayed, not lost
    await send(buyer, storeId, 'restart: during 1');
    await send(buyer, storeId, 'restart: during 2');
    await eventually(() => bodies(sub, 'restart:').length === 3, 10_000, 'the replayed messages');
    await send(buyer, storeId, 'restart: after');
    await eventually(() => bodies(sub, 'restart:').length === 4, 5_000, 'the live message');
    await eventually(() => bodies(sub2, 'restart:').length === 4, 5_000, 'the live message on the laptop');
    await sleep(200);
    for (const s of [sub, sub2]) {
      expect(s.error).toBeUndefined();
      expect(bodies(s, 'restart:')).toEqual(['restart: before', 'restart: during 1', 'restart: during 2', 'restart: after']);
    }
    await Promise.all([ws.dispose(), ws2.dispose()]);
  });

  it('closes the socket of a session that signs out, with 4403', async () => {
    const other = await registerUser(t.client);
    const ws = connect(t, other.token);
    const sub = subscribe(ws, MESSAGES);
    await upstreamReady(1);
    await other.client.data('mutation { logout }');
    await sub.ended();
    await eventually(() => ws.closes.length > 0, 5_000, 'the socket to close');
    expect(ws.closes[0]).toEqual({ code: 4403, reason: 'Session revoked' });
    await ws.dispose();
  });

  it('closes the socket when the access token expires, with 4401', async () => {
    // `exp` counts whole seconds: sign just after a second begins, so the token lives about four
    // (room for a busy machine to connect and subscribe before it expires)
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const { token } = await new TokenSigner(t.keys, 4).sign({ userId: seller.userId, sessionId: crypto.randomUUID(), roles: [] });
    const ws = connect(t, token);
    const sub = subscribe(ws, MESSAGES);
    await upstreamReady(1);
    await eventually(() => ws.closes.length > 0, 10_000, 'the socket to close at exp');
    expect(ws.closes[0]).toEqual({ code: 4401, reason: 'Token expired' });
    expect(sub.error).toBeTruthy();
    await ws.dispose();
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 0, 5_000, 'the upstream to end');
  });

  it('gives the sockets of one person with the same subscription one upstream subscription, across sessions; another person gets its own; all get every message', async () => {
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 0, 5_000, 'no upstream subscription');
    const phone = connect(t, seller.token);
    const laptop = connect(t, seller.token);
    const other = await login(t.client, seller.email, seller.password); // a second session of the same seller
    const tablet = connect(t, other.token);
    const stranger = await registerUser(t.client);
    const strangers = connect(t, stranger.token);
    const onPhone = subscribe(phone, MESSAGES);
    const onLaptop = subscribe(laptop, MESSAGES);
    const onTablet = subscribe(tablet, MESSAGES);
    const onStrangers = subscribe(strangers, MESSAGES);
    await primed(onTablet, 'shared');
    await eventually(
      () => [onPhone, onLaptop].every((s) => s.events.some((e) => String(e.messageAdded.body).startsWith('shared ping'))),
      5_000,
      'the pings on every socket',
    );
    expect(t.stack.gateway.subscriptions.activeStreams()).toBe(4);
    expect(t.stack.gateway.subscriptions.activeUpstream()).toBe(2); // the seller's, shared by three sockets of two sessions; the stranger's
    for (const s of [onPhone, onLaptop, onTablet]) s.results.length = 0;
    await send(buyer, storeId, 'shared: one');
    await send(buyer, storeId, 'shared: two');
    for (const s of [onPhone, onLaptop, onTablet]) {
      await eventually(() => bodies(s, 'shared:').length === 2, 5_000, 'both messages');
      expect(bodies(s, 'shared:')).toEqual(['shared: one', 'shared: two']);
      expect(s.results.every((r) => r.errors === undefined && r.data?.messageAdded.conversation.store.name === 'Corner Shop')).toBe(true);
    }
    // the phone leaves: the laptop still gets what follows on the shared upstream subscription
    onPhone.unsubscribe();
    await send(buyer, storeId, 'shared: three');
    await eventually(() => bodies(onLaptop, 'shared:').length === 3, 5_000, 'the third message');
    expect(bodies(onPhone, 'shared:')).toHaveLength(2);
    onLaptop.unsubscribe();
    // the other session goes on alone
    await send(buyer, storeId, 'shared: four');
    await eventually(() => bodies(onTablet, 'shared:').length === 4, 5_000, 'the fourth message');
    expect(bodies(onTablet, 'shared:')).toEqual(['shared: one', 'shared: two', 'shared: three', 'shared: four']);
    expect(t.stack.gateway.subscriptions.activeUpstream()).toBe(2);
    onTablet.unsubscribe();
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 1, 5_000, 'the shared upstream subscription to end');
    expect(onStrangers.events).toEqual([]); // never another person's messages
    onStrangers.unsubscribe();
    await Promise.all([phone.dispose(), laptop.dispose(), tablet.dispose(), strangers.dispose()]);
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 0, 5_000, 'no upstream subscription');
  });

  it('leaves no upstream subscription after 1,000 subscribe/unsubscribe cycles', async () => {
    const ws = connect(t, seller.token);
    for (let i = 0; i < 1000; i++) {
      const sub = subscribe(ws, MESSAGES);
      if (i % 100 === 0) await upstreamReady(1);
      else if (i % 10 === 0) await sleep(1);
      sub.unsubscribe();
    }
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 0, 20_000, 'no upstream subscription');
    expect(t.stack.gateway.subscriptions.activeStreams()).toBe(0);
    await ws.dispose();
    await eventually(() => t.stack.subgraphs.messaging.server.sockets() === 0, 10_000, 'the upstream socket to close');
  }, 120_000);
});

describe('a gateway shutting down', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  it('closes every subscription socket with 1012 so clients reconnect elsewhere, and ends the upstream ones', async () => {
    const user = await registerUser(t.client);
    const ws = connect(t, user.token);
    const sub = subscribe(ws, MESSAGES);
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 1, 5_000, 'the upstream subscription');
    await t.stack.gateway.close();
    await eventually(() => ws.closes.length > 0, 5_000, 'the socket to close');
    expect(ws.closes[0].code).toBe(1012);
    expect(sub.completed).toBe(false);
    expect(t.stack.gateway.subscriptions.activeUpstream()).toBe(0);
    await ws.dispose();
  });
});

describe('a subscriber that stops reading', () => {
  let t: TestStack;
  beforeAll(async () => {
    // no keep-alive ping while the client reads nothing (a missed pong would close the socket first)
    t = await startTestStack({ env: { SUBSCRIPTION_QUEUE_LIMIT: '5', SUBSCRIPTION_KEEPALIVE_MS: '600000', MESSAGE_RATE_PER_MIN: '100000' } });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  }, 60_000);

  it('is cut off with 4429 once SUBSCRIPTION_QUEUE_LIMIT events wait for it, instead of being buffered without bound', async () => {
    const seller = await registerUser(t.client, { fullName: 'Busy Seller' });
    const buyer = await registerUser(t.client, { fullName: 'Chatty Buyer' });
    const storeId = await openStore(seller, 'Busy Shop');

    // a plain graphql-transport-ws client whose TCP socket we can stop reading
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const frames: { type: string; payload?: { data?: { messageAdded: Record<string, string> } } }[] = [];
    let closed: { code: number; reason: string } | undefined;
    ws.on('message', (raw) => frames.push(JSON.parse(String(raw))));
    ws.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${seller.token}` } }));
    await eventually(() => frames.some((f) => f.type === 'connection_ack'), 5_000, 'the ack');
    // each message's body 20 times over (aliases): the socket's buffers (megabytes on loopback) fill after a few
    // dozen messages rather than a thousand, which took over a minute on a loaded machine and, 10 sends at a time,
    // now and then a send longer than SUBGRAPH_TIMEOUT_MS
    const copies = Array.from({ length: 20 }, (_, i) => `b${i}: body`).join(' ');
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { messageAdded { ${copies} } }` } }));
    // live end to end before the client stops reading
    const delivered = () => frames.filter((f) => f.type === 'next').map((f) => f.payload!.data!.messageAdded.b0);
    for (let i = 0; !delivered().length; i++) {
      if (i === 40) throw new Error('the subscription never went live');
      await send(buyer, storeId, `warm-up ${i}`);
      await sleep(100);
    }

    (ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const long = 'x'.repeat(3_990);
    let sent = 0;
    while (t.stack.gateway.subscriptions.activeStreams() > 0 && sent < 4_000) {
      await Promise.all(Array.from({ length: 10 }, () => send(buyer, storeId, `${String(sent++).padStart(5, '0')} ${long}`)));
    }
    // the gateway dropped the subscription, its upstream and the socket, while the client still reads nothing
    expect(t.stack.gateway.subscriptions.activeStreams()).toBe(0);
    await eventually(() => t.stack.gateway.subscriptions.activeUpstream() === 0, 5_000, 'the upstream subscription to end');
    expect(closed).toBeUndefined();

    // once the client reads again, it finds what was already sent, in order, then the close frame
    (ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
    await eventually(() => closed !== undefined, 40_000, 'the close frame');
    expect(closed).toEqual({ code: 4429, reason: 'Subscriber too slow' });
    const numbered = delivered()
      .filter((b) => !b.startsWith('warm-up'))
      .map((b) => Number(b.slice(0, 5)));
    expect(numbered.length).toBeLessThan(sent);
    expect(new Set(numbered).size).toBe(numbered.length);
  }, 120_000);
});
