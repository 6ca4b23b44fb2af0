/**
 * Disputes and refunds (docs/orders.md, "Disputes and refunds"): per line
 * disputes, partial and full refunds paid through the provider, escalation,
 * arbitration by an admin, the admin's list, the buyer's inbox; on PostgreSQL,
 * settlements racing each other never refund more than was paid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../platform/db.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { inbox } from '../helpers/messaging.ts';
import { connect, subscribe } from '../helpers/subscriptions.ts';
import { AFTERSALES_FIELDS, client, eventually, expectOk, M, orderIn, pay, placedOrder } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const ERR = 'userErrors { field code message }';
const D = {
  open: `mutation($id: ID!, $reason: DisputeReason!, $d: String!, $lines: [DisputeLineInput!]) {
    openDispute(orderId: $id, reason: $reason, description: $d, lines: $lines) { order { ${AFTERSALES_FIELDS} } ${ERR} } }`,
  resolve: `mutation($id: ID!, $refund: Boolean!, $amount: String) {
    resolveDispute(orderId: $id, refund: $refund, amount: $amount) { order { ${AFTERSALES_FIELDS} } ${ERR} } }`,
  escalate: `mutation($id: ID!) { escalateDispute(orderId: $id) { order { ${AFTERSALES_FIELDS} } ${ERR} } }`,
  arbitrate: `mutation($id: ID!, $amount: String!, $note: String) {
    arbitrateDispute(orderId: $id, refundAmount: $amount, note: $note) { order { ${AFTERSALES_FIELDS} } ${ERR} } }`,
  order: `query($id: ID!) { order(id: $id) { ${AFTERSALES_FIELDS} } }`,
  list: `query($status: DisputeStatus, $first: Int, $after: String) {
    disputes(status: $status, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { status reason requestedAmount { amount } order { id number status } } } } }`,
};

let t: TestStack;
let buyer: Person;
let seller: Person;
let admin: Person;

beforeAll(async () => {
  t = await startTestStack();
  const via = client(t);
  [buyer, seller, admin] = await Promise.all([mintPerson(t, { via }), mintPerson(t, { via }), mintPerson(t, { via, roles: ['admin'] })]);
}, 240_000);
afterAll(async () => {
  await t?.stop();
});

async function sql<T = any>(text: string): Promise<T[]> {
  return rowsOf<T>(await t.stack.subgraphs.orders.db.drizzle.execute(text as never));
}

/** A paid, delivered order of two lines: 2 × 10.00 and 1 × 5.00 (total 25.00), awaiting feedback. */
async function deliveredOrder(): Promise<{ id: string; lines: string[] }> {
  const o = await placedOrder(t, buyer, seller, {
    lines: [
      { quantity: 2, unitPrice: 1000 },
      { quantity: 1, unitPrice: 500 },
    ],
  });
  const p = await pay(buyer, [o.id]);
  if (p.userErrors.length) throw new Error(JSON.stringify(p.userErrors));
  await expectOk(seller.client, M.ship, { id: o.id, tn: 'TRACK-1' }, 'shipOrder');
  await expectOk(buyer.client, M.confirm, { id: o.id }, 'confirmReceipt');
  const lines = (await buyer.client.data<any>(D.order, { id: o.id })).order.lines.map((l: any) => l.id);
  return { id: o.id, lines };
}

/** What the provider refunded for an order (its own records), in minor units. */
async function providerRefunded(orderId: string): Promise<number> {
  const [r] = await sql<{ n: number }>(
    `select coalesce(sum(amount), 0)::int as n from orders.test_provider_refunds where idempotency_key like 'refund:${orderId}%'`,
  );
  return Number(r.n);
}

const refundsSettled = (id: string) =>
  eventually(async () => {
    const o = (await buyer.client.data<any>(D.order, { id })).order;
    expect(o.refunds.every((r: any) => r.settled)).toBe(true);
    return o;
  }, 60_000);

// each test drives several orders through the whole life cycle: slow on a loaded machine
describe('disputes and refunds', { timeout: 120_000 }, () => {
  it('refunds the disputed lines only, through the provider, and the order goes back to awaiting feedback', async () => {
    const { id, lines } = await deliveredOrder();
    const opened = await expectOk(
      buyer.client,
      D.open,
      { id, reason: 'DAMAGED', d: 'One lamp broken', lines: [{ orderLineId: lines[0], quantity: 1 }] },
      'openDispute',
    );
    expect(opened.order.status).toBe('DISPUTED');
    expect(opened.order.dispute).toMatchObject({
      status: 'OPEN',
      lines: [{ orderLine: { id: lines[0] }, quantity: 1, amount: { amount: '10.00' } }],
      requestedAmount: { amount: '10.00' },
      refundAmount: null,
    });
    expect(Date.parse(opened.order.dispute.answerDeadline) - Date.parse(opened.order.dispute.openedAt)).toBe(t.config.orderClock.disputeAnswerWindowS * 1000);

    const resolved = await expectOk(seller.client, D.resolve, { id, refund: true }, 'resolveDispute');
    expect(resolved.order).toMatchObject({
      status: 'FEEDBACK_REQUIRED',
      refundedAmount: { amount: '10.00' },
      dispute: { status: 'RESOLVED', refunded: true, refundAmount: { amount: '10.00' }, resolvedBy: 'SELLER' },
    });
    expect(resolved.order.refunds).toEqual([expect.objectContaining({ amount: { amount: '10.00' }, reason: 'Dispute settled by the seller' })]);
    await refundsSettled(id);
    expect(await providerRefunded(id)).toBe(1000);

    // a second dispute on the whole order: at most what is left (15.00) comes back, then the order is REFUNDED
    await expectOk(buyer.client, D.open, { id, reason: 'NOT_AS_DESCRIBED', d: 'The other lamp is green' }, 'openDispute');
    const tooMuch = (await seller.client.data<any>(D.resolve, { id, refund: true, amount: '20.00' })).resolveDispute;
    expect(tooMuch.userErrors).toEqual([expect.objectContaining({ code: 'REFUND_TOO_LARGE', field: ['amount'] })]);
    expect(tooMuch.userErrors[0].message).toContain('15.00');
    const rest = await expectOk(seller.client, D.resolve, { id, refund: true, amount: '15.00' }, 'resolveDispute');
    expect(rest.order).toMatchObject({ status: 'REFUNDED', refundedAmount: { amount: '25.00' } });
    expect(rest.order.refunds.map((r: any) => r.amount.amount)).toEqual(['10.00', '15.00']);
    await refundsSettled(id);
    expect(await providerRefunded(id)).toBe(2500);
    expect(rest.order.statusHistory.map((h: any) => h.status).slice(-4)).toEqual(['DISPUTED', 'FEEDBACK_REQUIRED', 'DISPUTED', 'REFUNDED']);
  });

  it('refuses disputed lines of another order, above the line’s quantity, zero or twice, and changes nothing', async () => {
    const { id, lines } = await deliveredOrder();
    const other = await deliveredOrder();
    const bad: [unknown[], string[]][] = [
      [[{ orderLineId: other.lines[0], quantity: 1 }], ['lines', '0', 'orderLineId']],
      [[{ orderLineId: lines[0], quantity: 3 }], ['lines', '0', 'quantity']],
      [[{ orderLineId: lines[1], quantity: 0 }], ['lines', '0', 'quantity']],
      [
        [
          { orderLineId: lines[1], quantity: 1 },
          { orderLineId: lines[1], quantity: 1 },
        ],
        ['lines', '1', 'orderLineId'],
      ],
      [[{ orderLineId: 'not-an-id', quantity: 1 }], ['lines', '0', 'orderLineId']],
    ];
    for (const [l, field] of bad) {
      const r = (await buyer.client.data<any>(D.open, { id, reason: 'DAMAGED', d: 'x', lines: l })).openDispute;
      expect(r.userErrors, JSON.stringify(l)).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field })]);
    }
    const o = (await buyer.client.data<any>(D.order, { id })).order;
    expect(o.status).toBe('FEEDBACK_REQUIRED');
    expect(o.dispute).toBeNull();
  });

  it('lets the buyer escalate only once the seller’s answer deadline has passed', async () => {
    const { id } = await deliveredOrder();
    await expectOk(buyer.client, D.open, { id, reason: 'NOT_RECEIVED', d: 'Nothing came' }, 'openDispute');
    const early = (await buyer.client.data<any>(D.escalate, { id })).escalateDispute;
    expect(early.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
    expect(early.userErrors[0].message).toContain('may answer until');
    const bySeller = await seller.client.request(D.escalate, { id });
    expect(bySeller.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    t.clock.advance(t.config.orderClock.disputeAnswerWindowS + 1);
    // the sweeper tells the buyer that the deadline passed
    const number = (await buyer.client.data<any>(D.order, { id })).order.number;
    await eventually(async () => {
      const box = await inbox(t, buyer, { category: 'ORDER_UPDATES', first: 100 });
      const bodies = box.conversations.flatMap((c: any) => c.messages.map((m: any) => m.body));
      expect(bodies).toContain(`Order ${number}: the seller did not answer the dispute in time; you may escalate it to the platform.`);
    }, 15_000);
    const up = await expectOk(buyer.client, D.escalate, { id }, 'escalateDispute');
    expect(up.order).toMatchObject({ status: 'DISPUTED', dispute: { status: 'ESCALATED' } });
    expect(up.order.dispute.escalatedAt).not.toBeNull();
    expect(up.order.statusHistory.at(-1)).toEqual(expect.objectContaining({ status: 'DISPUTED', reason: 'Dispute escalated to the platform' }));
    // the platform has it now: the seller can no longer refuse, and it cannot be escalated twice
    const refuse = (await seller.client.data<any>(D.resolve, { id, refund: false })).resolveDispute;
    expect(refuse.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
    expect((await buyer.client.data<any>(D.escalate, { id })).escalateDispute.userErrors[0].code).toBe('INVALID_STATE');

    const listed = (await admin.client.data<any>(D.list, { status: 'ESCALATED', first: 100 })).disputes;
    expect(listed.edges.map((e: any) => e.node.order.id)).toContain(id);
    expect(listed.edges.every((e: any) => e.node.status === 'ESCALATED')).toBe(true);

    const settled = await expectOk(admin.client, D.arbitrate, { id, amount: '25.00', note: 'Tracking shows no delivery' }, 'arbitrateDispute');
    expect(settled.order).toMatchObject({
      status: 'REFUNDED',
      refundedAmount: { amount: '25.00' },
      dispute: { status: 'RESOLVED', resolvedBy: 'ADMIN', note: 'Tracking shows no delivery', refundAmount: { amount: '25.00' } },
    });
    expect(settled.order.refunds).toEqual([expect.objectContaining({ amount: { amount: '25.00' }, reason: 'Refund decided by the platform' })]);
    await refundsSettled(id);
    expect(await providerRefunded(id)).toBe(2500);
  });

  it('lets the buyer escalate a refusal, and the admin’s arbitration without refund returns the order where it was', async () => {
    const { id } = await deliveredOrder();
    await expectOk(buyer.client, D.open, { id, reason: 'WRONG_ITEM', d: 'Got a kettle' }, 'openDispute');
    const refused = await expectOk(seller.client, D.resolve, { id, refund: false }, 'resolveDispute');
    expect(refused.order).toMatchObject({ status: 'FEEDBACK_REQUIRED', dispute: { status: 'REFUSED', refunded: false, refundAmount: { amount: '0.00' } } });
    const up = await expectOk(buyer.client, D.escalate, { id }, 'escalateDispute');
    expect(up.order).toMatchObject({ status: 'DISPUTED', dispute: { status: 'ESCALATED', resolvedAt: null, refunded: null } });

    for (const [amount, code] of [
      ['abc', 'INVALID_INPUT'],
      ['-1.00', 'INVALID_INPUT'],
      ['25.01', 'REFUND_TOO_LARGE'],
    ]) {
      const r = (await admin.client.data<any>(D.arbitrate, { id, amount })).arbitrateDispute;
      expect(r.userErrors, amount).toEqual([expect.objectContaining({ code, field: ['refundAmount'] })]);
    }
    const none = await expectOk(admin.client, D.arbitrate, { id, amount: '0.00', note: 'The item matches the listing' }, 'arbitrateDispute');
    expect(none.order).toMatchObject({ status: 'FEEDBACK_REQUIRED', refunds: [], dispute: { status: 'RESOLVED', refunded: false, resolvedBy: 'ADMIN' } });
  });

  it('refuses an amount with a refusal, a refund of 0.00 or not a sum, and an arbitration note over 2000 characters, and the dispute stays open', async () => {
    const { id } = await deliveredOrder();
    await expectOk(buyer.client, D.open, { id, reason: 'DAMAGED', d: 'Cracked lid' }, 'openDispute');
    const cases: [Person, string, Record<string, unknown>, string, { code: string; field: string[]; message: string }][] = [
      [
        seller,
        D.resolve,
        { refund: false, amount: '1.00' },
        'resolveDispute',
        { code: 'INVALID_INPUT', field: ['amount'], message: 'An amount goes with a refund only.' },
      ],
      [
        seller,
        D.resolve,
        { refund: true, amount: '0.00' },
        'resolveDispute',
        { code: 'INVALID_INPUT', field: ['amount'], message: 'A refund is more than 0.00.' },
      ],
      [
        seller,
        D.resolve,
        { refund: true, amount: 'ten' },
        'resolveDispute',
        { code: 'INVALID_INPUT', field: ['amount'], message: 'The amount is a sum such as "12.50".' },
      ],
      [
        admin,
        D.arbitrate,
        { amount: '1.00', note: 'n'.repeat(2001) },
        'arbitrateDispute',
        { code: 'INVALID_INPUT', field: ['note'], message: 'The note is at most 2000 characters.' },
      ],
    ];
    for (const [who, mutation, vars, name, error] of cases) {
      const r = (await who.client.data<any>(mutation, { id, ...vars }))[name];
      expect(r, JSON.stringify(vars).slice(0, 60)).toEqual({ order: null, userErrors: [error] });
    }
    const order = (await buyer.client.data<any>(D.order, { id })).order;
    expect(order).toMatchObject({ status: 'DISPUTED', refunds: [], dispute: { status: 'OPEN' } });
  });

  it('refuses arbitration and the dispute list to everyone but an admin', async () => {
    const { id } = await deliveredOrder();
    await expectOk(buyer.client, D.open, { id, reason: 'OTHER', d: 'Meh' }, 'openDispute');
    for (const who of [buyer, seller]) {
      const a = await who.client.request(D.arbitrate, { id, amount: '25.00' });
      expect(a.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const l = await who.client.request(D.list, { status: 'ESCALATED' });
      expect(l.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const guest = await t.client.request(D.list, {});
    expect(guest.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const o = (await buyer.client.data<any>(D.order, { id })).order;
    expect(o).toMatchObject({ status: 'DISPUTED', refunds: [], dispute: { status: 'OPEN' } });
    // an admin may step in while the dispute is still open
    const open = (await admin.client.data<any>(D.list, { status: 'OPEN', first: 100 })).disputes;
    expect(open.edges.map((e: any) => e.node.order.id)).toContain(id);
  });

  it('tells the buyer in the inbox, and on orderStatusChanged, what a settlement refunded', async () => {
    const { id } = await deliveredOrder();
    const number = (await buyer.client.data<any>(D.order, { id })).order.number;
    await expectOk(buyer.client, D.open, { id, reason: 'DAMAGED', d: 'Scratched' }, 'openDispute');
    await expectOk(seller.client, D.resolve, { id, refund: true, amount: '4.50' }, 'resolveDispute');
    await eventually(async () => {
      const box = await inbox(t, buyer, { category: 'ORDER_UPDATES', first: 100 });
      const bodies = box.conversations.flatMap((c: any) => c.messages.map((m: any) => m.body));
      expect(bodies).toContain(`Order ${number}: the seller refunded 4.50 USD.`);
      expect(bodies).toContain(`Order ${number} is now in dispute.`);
    }, 15_000);
    // the subscription replays the order's changes from the start: the dispute and its settlement are the last two
    const ws = connect(t, buyer.token);
    try {
      const sub = subscribe<any>(
        ws,
        `subscription($id: ID, $after: String) { orderStatusChanged(orderId: $id, after: $after) { previousStatus status order { id refundedAmount { amount } } } }`,
        { id, after: '0' },
      );
      const events = (await sub.waitFor(6, 15_000)).map((e) => e.orderStatusChanged);
      expect(events.slice(-2).map((e) => [e.previousStatus, e.status])).toEqual([
        ['FEEDBACK_REQUIRED', 'DISPUTED'],
        ['DISPUTED', 'FEEDBACK_REQUIRED'],
      ]);
      expect(events.at(-1).order.refundedAmount).toEqual({ amount: '4.50' });
      sub.unsubscribe();
    } finally {
      await ws.dispose();
    }
  });

  it('disputes the whole order when openDispute is called without lines, as before', async () => {
    const id = await orderIn(t, buyer, seller, 'DISPUTED');
    const o = (await buyer.client.data<any>(D.order, { id })).order;
    expect(o.dispute).toMatchObject({ status: 'OPEN', lines: [], requestedAmount: { amount: '25.00' } });
  });
});

describe.skipIf(!onPostgres)('settlements racing each other (PostgreSQL only: needs real concurrent connections)', { timeout: 240_000 }, () => {
  it('never refunds more than was paid, and the provider refunds exactly what was recorded', async () => {
    const orders = await Promise.all(Array.from({ length: 4 }, () => deliveredOrder()));
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        orders.map(({ id }) => expectOk(buyer.client, D.open, { id, reason: 'DAMAGED', d: `round ${round}` }, 'openDispute').catch(() => null)),
      );
      // per order: the seller and two admins settle at once; three rounds of these could refund 27.00 of 25.00
      const answers = await Promise.all(
        orders.flatMap(({ id }) => [
          seller.client.data<any>(D.resolve, { id, refund: true, amount: '9.00' }).then((r) => r.resolveDispute),
          admin.client.data<any>(D.arbitrate, { id, amount: '8.00' }).then((r) => r.arbitrateDispute),
          admin.client.data<any>(D.arbitrate, { id, amount: '7.00' }).then((r) => r.arbitrateDispute),
        ]),
      );
      for (const a of answers) if (a.userErrors.length) expect(['INVALID_STATE', 'REFUND_TOO_LARGE']).toContain(a.userErrors[0].code);
    }
    for (const { id } of orders) {
      const o = await refundsSettled(id);
      const recorded = o.refunds.reduce((s: number, r: any) => s + Math.round(Number(r.amount.amount) * 100), 0);
      expect(recorded).toBeLessThanOrEqual(2500);
      expect(recorded).toBeGreaterThanOrEqual(700);
      expect(Math.round(Number(o.refundedAmount.amount) * 100)).toBe(recorded);
      expect(await providerRefunded(id)).toBe(recorded);
      const [row] = await sql(`select refunded_amount, total from orders.orders where id = '${id}'`);
      expect(Number(row.refunded_amount)).toBe(recorded);
      // one settlement per dispute: one refund per round at most, each a history entry and an event
      expect(o.refunds.length).toBeLessThanOrEqual(3);
      const settledEvents = await sql(
        `select count(*)::int as n from events.log where topic = 'order.status_changed' and payload->>'orderId' = '${id}' and payload->>'previousStatus' = 'DISPUTED'`,
      );
      expect(Number(settledEvents[0].n)).toBe(o.statusHistory.filter((h: any, i: number) => i > 0 && o.statusHistory[i - 1].status === 'DISPUTED').length);
    }
  });
});
