/**
 * leaveFeedback: one feedback per order, whatever the concurrency; the
 * product's and the store's ratings count it once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../platform/db.ts';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { client, M, ORDER_QUERY, orderIn, shop, type Shop } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const RATINGS = `query($p: ID!, $s: ID!) {
  product(id: $p) { rating reviewCount reviews(first: 10) { totalCount edges { node { rating comment } } } }
  store(id: $s) { rating } }`;

async function count(t: TestStack, text: string): Promise<number> {
  const [r] = rowsOf<{ n: number }>(await t.stack.subgraphs.orders.db.drizzle.execute(text as never));
  return Number(r.n);
}

function feedbackStack(title: string, concurrent: boolean) {
  describe.skipIf(concurrent && !onPostgres)(title, () => {
    let t: TestStack;
    let buyer: Person;
    let s: Shop;
    beforeAll(async () => {
      t = await startTestStack();
      s = await shop(t);
      buyer = await mintPerson(t, { via: client(t) });
    }, 240_000);
    afterAll(async () => {
      await t?.stop();
    });

    const feedback = (id: string, productRating: number) =>
      buyer.client.data<{ leaveFeedback: any }>(M.feedback, {
        id,
        input: { productRating, shippingRating: 4, communicationRating: 5, comment: `rated ${productRating}` },
      });

    if (!concurrent) {
      it('takes feedback once: a second leaveFeedback answers INVALID_STATE and leaves the first in place', async () => {
        const id = await orderIn(t, buyer, s.seller, 'FEEDBACK_REQUIRED', { storeId: s.storeId, productId: s.productId });
        const first = (await feedback(id, 4)).leaveFeedback;
        expect(first.userErrors).toEqual([]);
        expect(first.order).toMatchObject({ status: 'COMPLETED', feedback: { productRating: 4, comment: 'rated 4' } });
        const second = (await feedback(id, 1)).leaveFeedback;
        expect(second.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
        expect(second.order).toBeNull();
        const got = (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id })).order;
        expect(got.feedback).toMatchObject({ productRating: 4 });
        const r = await t.client.data<any>(RATINGS, { p: s.productId, s: s.storeId });
        expect(r.product).toMatchObject({ rating: 4, reviewCount: 1, reviews: { totalCount: 1 } });
        expect(r.store.rating).toBe(4);
      });
      return;
    }

    it('keeps one feedback, one transition and one rating when ten leaveFeedback calls for one order arrive together', async () => {
      for (let round = 0; round < 3; round++) {
        const id = await orderIn(t, buyer, s.seller, 'FEEDBACK_REQUIRED', { storeId: s.storeId, productId: s.productId });
        const answers = (await Promise.all(Array.from({ length: 10 }, (_, i) => feedback(id, (i % 5) + 1)))).map((a) => a.leaveFeedback);
        const won = answers.filter((a) => a.userErrors.length === 0);
        expect(won).toHaveLength(1);
        for (const a of answers.filter((x) => x.userErrors.length)) {
          expect(a.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
        }
        const rating = won[0].order.feedback.productRating;
        expect(await count(t, `select count(*)::int as n from orders.feedback where order_id = '${id}'`)).toBe(1);
        const got = (await buyer.client.data<{ order: any }>(ORDER_QUERY, { id })).order;
        expect(got.feedback.productRating).toBe(rating);
        expect(got.statusHistory.filter((h: any) => h.status === 'COMPLETED')).toHaveLength(1);
        expect(
          await count(
            t,
            `select count(*)::int as n from events.log where topic = 'order.status_changed' and payload->>'orderId' = '${id}' and payload->>'status' = 'COMPLETED'`,
          ),
        ).toBe(1);
        const r = await t.client.data<any>(RATINGS, { p: s.productId, s: s.storeId });
        expect(r.product.reviewCount).toBe(round + 1);
        expect(r.product.reviews.totalCount).toBe(round + 1);
      }
      // the ratings average one rating per order
      const ratings = rowsOf<{ product_rating: number }>(
        await t.stack.subgraphs.orders.db.drizzle.execute(`select product_rating from orders.feedback where store_id = '${s.storeId}'` as never),
      ).map((r) => Number(r.product_rating));
      expect(ratings).toHaveLength(3);
      const avg = ratings.reduce((a, b) => a + b, 0) / 3;
      const r = await t.client.data<any>(RATINGS, { p: s.productId, s: s.storeId });
      expect(r.product.rating).toBeCloseTo(avg, 6);
      expect(r.store.rating).toBeCloseTo(avg, 6);
    });
  });
}

feedbackStack('leaveFeedback, one call after another', false);
feedbackStack('leaveFeedback racing itself (PostgreSQL only: needs real concurrent connections)', true);
