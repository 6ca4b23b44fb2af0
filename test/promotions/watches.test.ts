import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../platform/db.ts';
import { onTheBus, startTestStack, type TestStack } from '../helpers/stack.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { CLAIM_COUPON, catalogProduct, eventually, platformCoupon, publishEvents } from '../helpers/promotions.ts';

const WATCH = `mutation W($id: ID!) { watchPrice(productId: $id) { product { id watched } userErrors { field code message } } }`;
const UNWATCH = `mutation U($id: ID!) { unwatchPrice(productId: $id) { product { id watched } userErrors { field code message } } }`;

describe('price watches (the AliExpress Alert)', () => {
  let t: TestStack;
  let seller: Person;
  beforeAll(async () => {
    t = await startTestStack();
    seller = await mintPerson(t);
  });
  /** A new catalog product at 100.00. */
  const newProduct = async () => (await catalogProduct(t, seller, '100.00')).productId;
  afterAll(async () => {
    await t?.stop();
  });

  /** Publishes a catalog price change and waits until promotions has handled it and what it published is on the bus. */
  async function priceChanged(productId: string, newMinPrice: number, oldMinPrice: number | null = null, title = 'Blue kettle') {
    const [seq] = await publishEvents(t, [
      {
        topic: 'product.price_changed',
        payload: {
          productId,
          variantId: crypto.randomUUID(),
          storeId: crypto.randomUUID(),
          title,
          oldPrice: oldMinPrice,
          newPrice: newMinPrice,
          oldMinPrice,
          newMinPrice,
        },
        audience: [],
      },
    ]);
    await eventually(async () => {
      const [row] = await queryRows<{ position: string }>(
        t.stack.subgraphs.promotions.db.drizzle,
        sql`select position from events.consumers where name = 'promotions.price-watch'`,
      );
      return row && Number(row.position) >= seq;
    });
    // the drops it published in that commit: on JetStream they reach the stream through the relay a little later
    await onTheBus(t, 'promotions');
    return seq;
  }

  async function dropsAfter(seq: number, productId: string) {
    const events = await t.stack.bus.readAfter(seq, { topics: ['promotion.price_dropped'], limit: 1000 });
    return events.filter((e) => e.payload.productId === productId);
  }

  async function watch(p: Person, productId: string) {
    const r = await p.client.data<{ watchPrice: any }>(WATCH, { id: productId });
    expect(r.watchPrice.userErrors).toEqual([]);
    return r.watchPrice;
  }

  it('answers watched: true to the watcher, and unwatching is idempotent', async () => {
    const p = await mintPerson(t);
    const productId = await newProduct();
    expect((await watch(p, productId)).product).toEqual({ id: productId, watched: true });
    expect((await watch(p, productId)).product).toEqual({ id: productId, watched: true }); // idempotent too
    const once = await p.client.data<{ unwatchPrice: any }>(UNWATCH, { id: productId });
    expect(once.unwatchPrice).toEqual({ product: { id: productId, watched: false }, userErrors: [] });
    const twice = await p.client.data<{ unwatchPrice: any }>(UNWATCH, { id: productId });
    expect(twice.unwatchPrice.userErrors).toEqual([]);
  });

  it('refuses guests and ids that cannot exist', async () => {
    const guest = await t.client.request(WATCH, { id: crypto.randomUUID() });
    expect(guest.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const p = await mintPerson(t);
    const bad = await p.client.data<{ watchPrice: any }>(WATCH, { id: 'not-a-product' });
    expect(bad.watchPrice).toEqual({ product: null, userErrors: [{ field: ['productId'], code: 'NOT_FOUND', message: expect.any(String) }] });
    const unknown = await p.client.data<{ watchPrice: any }>(WATCH, { id: crypto.randomUUID() });
    expect(unknown.watchPrice.userErrors[0].code).toBe('NOT_FOUND');
  });

  it('tells each watcher once when the price drops below what they last saw, and not when it rises', async () => {
    const productId = await newProduct(); // at 100.00
    const start = t.stack.bus.position;
    const ann = await mintPerson(t);
    const bob = await mintPerson(t);
    const quitter = await mintPerson(t);
    await watch(ann, productId);
    await watch(bob, productId);
    await watch(quitter, productId);
    await quitter.client.data(UNWATCH, { id: productId });

    await priceChanged(productId, 8_000, 10_000);
    const first = await dropsAfter(start, productId);
    expect(first.map((e) => e.payload.userId).sort()).toEqual([ann.userId, bob.userId].sort());
    expect(first.find((e) => e.payload.userId === ann.userId)).toMatchObject({
      topic: 'promotion.price_dropped',
      audience: [ann.userId],
      payload: { userId: ann.userId, productId, title: 'Blue kettle', previousPrice: 10_000, newPrice: 8_000 },
    });

    // a rise, and a fall that stays above the lowest price they were told: nothing
    const afterFirst = first[first.length - 1].seq;
    await priceChanged(productId, 9_000);
    await priceChanged(productId, 8_500);
    expect(await dropsAfter(afterFirst, productId)).toEqual([]);

    // below 8,000: one each again, from 8,000
    await priceChanged(productId, 7_999);
    const second = await dropsAfter(afterFirst, productId);
    expect(second).toHaveLength(2);
    expect(second.every((e) => e.payload.previousPrice === 8_000 && e.payload.newPrice === 7_999)).toBe(true);
  });

  it('starts a watch at the price the catalog shows, and remembers per watcher what they were told', async () => {
    const { productId } = await catalogProduct(t, seller, '50.00');
    const p = await mintPerson(t);
    await watch(p, productId);
    const first = await priceChanged(productId, 4_500, 5_000);
    expect((await dropsAfter(first - 1, productId)).map((e) => e.payload)).toEqual([
      { userId: p.userId, productId, title: 'Blue kettle', previousPrice: 5_000, newPrice: 4_500 },
    ]);
    // each watcher from what they last saw: p was told 45.00, q started at the catalog's 50.00
    const q = await mintPerson(t);
    await watch(q, productId);
    const second = await priceChanged(productId, 4_400, 4_500);
    expect((await dropsAfter(second - 1, productId)).map((e) => [e.payload.userId, e.payload.previousPrice]).sort()).toEqual(
      [
        [p.userId, 4_500],
        [q.userId, 5_000],
      ].sort(),
    );
  });

  it('forgets a deactivated person: watches and unused coupons', async () => {
    const admin = await mintPerson(t, { roles: ['admin'] });
    const p = await mintPerson(t);
    const productId = await newProduct();
    await watch(p, productId);
    const coupon = await platformCoupon(t, admin);
    await p.client.data(CLAIM_COUPON, { couponId: coupon.id });

    const [seq] = await publishEvents(t, [{ topic: 'user.deactivated', payload: { userId: p.userId }, audience: [p.userId] }]);
    const db = t.stack.subgraphs.promotions.db.drizzle;
    await eventually(async () => {
      const [row] = await queryRows<{ position: string }>(db, sql`select position from events.consumers where name = 'promotions.user-deactivated'`);
      return row && Number(row.position) >= seq;
    });
    const watches = await queryRows(db, sql`select 1 from promotions.price_watches where user_id = ${p.userId}`);
    const wallet = await queryRows(db, sql`select 1 from promotions.user_coupons where user_id = ${p.userId}`);
    expect([watches.length, wallet.length]).toEqual([0, 0]);
    await priceChanged(productId, 500);
    expect(await dropsAfter(seq, productId)).toEqual([]);
  });
});
