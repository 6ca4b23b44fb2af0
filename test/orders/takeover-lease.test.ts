/**
 * A checkout that takes over a dead attempt's key renews its lease after giving back what the
 * dead attempt took, before it quotes the cart (review finding 5): running those give-backs can
 * take most of the lease, and a lease that runs out before the first renewal lets a third call
 * take the key over and the running checkout fail.
 *
 * PostgreSQL only (needs concurrent connections): the dead attempt's give-back (releaseStock) is
 * held on a lock of catalog.reservations while the manual clock passes the lease, and the quote
 * on a lock of catalog.carts while a third call with the same key arrives. The sweepers run
 * rarely here (ORDER_SWEEP_INTERVAL_MS), so the checkout runs the give-back itself.
 */
import crypto from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as q from '../../subgraphs/orders/db/queries/index.ts';
import { registerBuyer, type Buyer } from '../helpers/accounts.ts';
import { addToCart, M, shop } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const LEASE_S = 30;

describe.skipIf(!onPostgres)('a checkout taking over a dead attempt (PostgreSQL only: needs concurrent connections)', () => {
  let t: TestStack;
  let admin: postgres.Sql;
  beforeAll(async () => {
    t = await startTestStack({
      env: { CHECKOUT_LEASE_S: String(LEASE_S), CHECKOUT_WAIT_MS: '2000', ORDER_SWEEP_INTERVAL_MS: '3600000', SUBGRAPH_TIMEOUT_MS: '60000' },
    });
    admin = postgres(t.databaseUrl!, { max: 4, onnotice: () => {} });
  }, 240_000);
  afterAll(async () => {
    await admin?.end();
    await t?.stop();
  });

  const checkout = (b: Buyer, key: string) =>
    b.client.data<{ checkout: any }>(M.checkout, { input: { shippingAddressId: b.addressId, idempotencyKey: key } }).then((d) => d.checkout);

  async function waitingOn(table: string): Promise<number> {
    const [r] = await admin`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
      join pg_namespace n on n.oid = c.relnamespace where not l.granted and n.nspname || '.' || c.relname = ${table}`;
    return r.n;
  }
  async function until(check: () => Promise<boolean>, ms = 30_000) {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("keeps the key it took over while it gives back the dead attempt's stock, so a third call with the key waits for its orders", async () => {
    const s = await shop(t);
    const b = await registerBuyer(t.client);
    await addToCart(b.client, s.variantId, 1);
    const key = crypto.randomUUID();
    // a dead attempt: its lease has passed, a reservation of its is to be given back
    const db = t.stack.subgraphs.orders.db.drizzle;
    const dead = crypto.randomUUID();
    expect(await q.claimCheckout(db, b.userId, key, dead, new Date(t.clock.now().getTime() - 1000))).toBe(true);
    await q.insertCheckoutJob(db, {
      buyerId: b.userId,
      key,
      attempt: dead,
      kind: 'release_stock',
      payload: { key: `dead:${dead}` },
      state: 'ARMED',
      now: t.clock.now(),
    });

    const quoteHeld = await admin.reserve();
    let taking: Promise<any> | undefined;
    let third: Promise<any> | undefined;
    try {
      await quoteHeld`begin`;
      await quoteHeld`lock table catalog.carts in access exclusive mode`;
      await admin.begin(async (tx) => {
        await tx`lock table catalog.reservations in access exclusive mode`;
        taking = checkout(b, key); // takes the key over and gives back the dead attempt's stock
        await until(async () => (await waitingOn('catalog.reservations')) >= 1);
        t.clock.advance(LEASE_S + 1); // the give-back takes longer than the lease
      });
      await until(async () => (await waitingOn('catalog.carts')) >= 1); // now quoting
      third = checkout(b, key);
      // the third call either waits for the running checkout (and answers "in progress" after
      // CHECKOUT_WAIT_MS), or takes the key over and quotes as well
      const outcome = await Promise.race([
        third.then(() => 'answered'),
        until(async () => (await waitingOn('catalog.carts')) >= 2, 60_000).then(() => 'took over'),
      ]);
      expect(outcome).toBe('answered');
      expect((await third).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE', message: expect.stringMatching(/in progress/) })]);
    } finally {
      await quoteHeld`commit`;
      quoteHeld.release();
    }
    const placed = await taking!;
    expect(placed.userErrors).toEqual([]);
    expect(placed.orders).toHaveLength(1);
    expect((await checkout(b, key)).orders.map((o: any) => o.id)).toEqual(placed.orders.map((o: any) => o.id));
    await third?.catch(() => {});
  }, 180_000);
});
