/**
 * leaveFeedback: one feedback per order, whatever the concurrency; the
 * product's and the store's ratings count it once. Per-line ratings, photos,
 * the buyer's one edit, the seller's one reply, Manage Feedback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../platform/db.ts';
import { mintPerson, registerUser, type Person } from '../helpers/accounts.ts';
import { inbox } from '../helpers/messaging.ts';
import { AFTERSALES_FIELDS, client, eventually, expectOk, M, ORDER_QUERY, orderIn, pay, placedOrder, shop, type Shop } from '../helpers/orders.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const RATINGS = `query($p: ID!, $s: ID!) {
  product(id: $p) { rating reviewCount reviews(first: 10) { totalCount edges { node { rating comment } } } }
  store(id: $s) { rating } }`;

const ERR = 'userErrors { field code message }';
const F = {
  leave: `mutation($id: ID!, $input: FeedbackInput!) { leaveFeedback(orderId: $id, input: $input) { order { ${AFTERSALES_FIELDS} } ${ERR} } }`,
  edit: `mutation($id: ID!, $input: FeedbackInput!) { editFeedback(orderId: $id, input: $input) { order { ${AFTERSALES_FIELDS} } ${ERR} } }`,
  reply: `mutation($id: ID!, $text: String!) { replyToFeedback(orderId: $id, text: $text) { order { ${AFTERSALES_FIELDS} } ${ERR} } }`,
  order: `query($id: ID!) { order(id: $id) { ${AFTERSALES_FIELDS} } }`,
  reviews: `query($p: ID!) { product(id: $p) { rating reviewCount
    reviews(first: 10) { edges { node { rating comment lineRatings { orderLine { id } rating } reply { text } } } } } }`,
  given: `query($first: Int, $after: String) { viewer { feedbackCount feedbackGiven(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { productRating comment order { id } } } } } }`,
};

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

      /** A paid, delivered order awaiting feedback: one line of `productId` (10.00) and one of another product (5.00). */
      async function twoLineOrder(productId: string, who: { userId: string; client: Person['client'] } = buyer): Promise<{ id: string; lines: string[] }> {
        const o = await placedOrder(t, who, s.seller, {
          storeId: s.storeId,
          lines: [
            { productId, quantity: 1, unitPrice: 1000 },
            { quantity: 1, unitPrice: 500 },
          ],
        });
        expect((await pay(who, [o.id])).userErrors).toEqual([]);
        await expectOk(s.seller.client, M.ship, { id: o.id, tn: 'T-1' }, 'shipOrder');
        await expectOk(who.client, M.confirm, { id: o.id }, 'confirmReceipt');
        return { id: o.id, lines: (await who.client.data<any>(F.order, { id: o.id })).order.lines.map((l: any) => l.id) };
      }
      // each test drives orders through the whole life cycle: slow on a loaded machine
      const SLOW = { timeout: 120_000 };
      const base = { productRating: 3, shippingRating: 4, communicationRating: 5 };

      it('takes per-line ratings, an as-described rating and photos; reviews show the line ratings and the rating averages them exactly', SLOW, async () => {
        const p = await shop(t);
        const a = await twoLineOrder(p.productId);
        const left = await expectOk(
          buyer.client,
          F.leave,
          {
            id: a.id,
            input: {
              ...base,
              productRating: 2,
              asDescribedRating: 4,
              lineRatings: [{ orderLineId: a.lines[0], rating: 5 }],
              photoUrls: ['https://img.example.test/1.jpg', 'http://img.example.test/2.png'],
            },
          },
          'leaveFeedback',
        );
        expect(left.order.feedback).toMatchObject({
          productRating: 2,
          asDescribedRating: 4,
          lineRatings: [{ orderLine: { id: a.lines[0] }, rating: 5 }],
          photoUrls: ['https://img.example.test/1.jpg', 'http://img.example.test/2.png'],
          editedAt: null,
          reply: null,
        });
        const b = await twoLineOrder(p.productId);
        await expectOk(buyer.client, F.leave, { id: b.id, input: base }, 'leaveFeedback');
        const r = (await t.client.data<any>(F.reviews, { p: p.productId })).product;
        // the product's line in order a was rated 5 on its own; in order b it takes productRating 3
        expect(r.reviewCount).toBe(2);
        expect(r.rating).toBe(4);
        const ratings = r.reviews.edges.map((e: any) => e.node);
        expect(ratings.map((n: any) => n.rating).sort()).toEqual([3, 5]);
        expect(ratings.find((n: any) => n.rating === 5).lineRatings).toEqual([{ orderLine: { id: a.lines[0] }, rating: 5 }]);
        expect(ratings.find((n: any) => n.rating === 3).lineRatings).toEqual([{ orderLine: { id: b.lines[0] }, rating: 3 }]);
      });

      it('refuses six photos, a photo that is not an http(s) URL, a line of another order and line ratings out of 1–5, and changes nothing', SLOW, async () => {
        const a = await twoLineOrder(s.productId);
        const other = await twoLineOrder(s.productId);
        const photo = 'https://img.example.test/p.jpg';
        const bad: [Record<string, unknown>, string[]][] = [
          [{ photoUrls: Array.from({ length: 6 }, () => photo) }, ['input', 'photoUrls']],
          [{ photoUrls: ['javascript:alert(1)'] }, ['input', 'photoUrls', '0']],
          [{ photoUrls: ['ftp://img.example.test/p.jpg'] }, ['input', 'photoUrls', '0']],
          [{ lineRatings: [{ orderLineId: other.lines[0], rating: 4 }] }, ['input', 'lineRatings', '0', 'orderLineId']],
          [{ lineRatings: [{ orderLineId: a.lines[0], rating: 6 }] }, ['input', 'lineRatings', '0', 'rating']],
          [{ asDescribedRating: 0 }, ['input', 'asDescribedRating']],
        ];
        for (const [extra, field] of bad) {
          const r = (await buyer.client.data<any>(F.leave, { id: a.id, input: { ...base, ...extra } })).leaveFeedback;
          expect(r.userErrors, JSON.stringify(extra)).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field })]);
        }
        const o = (await buyer.client.data<any>(F.order, { id: a.id })).order;
        expect(o).toMatchObject({ status: 'FEEDBACK_REQUIRED', feedback: null });
      });

      it('lets the buyer edit the feedback once, and the ratings follow the edit', SLOW, async () => {
        const p = await shop(t);
        const a = await twoLineOrder(p.productId);
        await expectOk(buyer.client, F.leave, { id: a.id, input: { ...base, productRating: 1, comment: 'Bad' } }, 'leaveFeedback');
        expect((await t.client.data<any>(F.reviews, { p: p.productId })).product.rating).toBe(1);
        const edited = await expectOk(
          buyer.client,
          F.edit,
          { id: a.id, input: { ...base, productRating: 4, comment: 'Seller fixed it', lineRatings: [{ orderLineId: a.lines[0], rating: 5 }] } },
          'editFeedback',
        );
        expect(edited.order.feedback).toMatchObject({ productRating: 4, comment: 'Seller fixed it', lineRatings: [{ rating: 5 }] });
        expect(edited.order.feedback.editedAt).not.toBeNull();
        expect((await t.client.data<any>(F.reviews, { p: p.productId })).product).toMatchObject({ rating: 5, reviewCount: 1 });
        const again = (await buyer.client.data<any>(F.edit, { id: a.id, input: { ...base, productRating: 1 } })).editFeedback;
        expect(again.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
        const bySeller = await s.seller.client.request(F.edit, { id: a.id, input: base });
        expect(bySeller.errors?.[0].extensions?.code).toBe('FORBIDDEN');
        expect((await buyer.client.data<any>(F.order, { id: a.id })).order.feedback).toMatchObject({ productRating: 4, comment: 'Seller fixed it' });
      });

      it('lets the seller reply once; the review shows the reply and the buyer’s inbox tells of it', SLOW, async () => {
        const p = await shop(t);
        const a = await twoLineOrder(p.productId);
        const noFeedback = (await s.seller.client.data<any>(F.reply, { id: a.id, text: 'Thanks' })).replyToFeedback;
        expect(noFeedback.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
        await expectOk(buyer.client, F.leave, { id: a.id, input: base }, 'leaveFeedback');
        for (const text of ['', '   ', 'x'.repeat(2001)]) {
          const r = (await s.seller.client.data<any>(F.reply, { id: a.id, text })).replyToFeedback;
          expect(r.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['text'] })]);
        }
        const byBuyer = await buyer.client.request(F.reply, { id: a.id, text: 'Me too' });
        expect(byBuyer.errors?.[0].extensions?.code).toBe('FORBIDDEN');
        const replied = await expectOk(s.seller.client, F.reply, { id: a.id, text: 'Thank you for your order!' }, 'replyToFeedback');
        expect(replied.order.feedback.reply).toMatchObject({ text: 'Thank you for your order!' });
        const twice = (await s.seller.client.data<any>(F.reply, { id: a.id, text: 'Again' })).replyToFeedback;
        expect(twice.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
        const review = (await t.client.data<any>(F.reviews, { p: p.productId })).product.reviews.edges[0].node;
        expect(review.reply).toEqual({ text: 'Thank you for your order!' });
        await eventually(async () => {
          const box = await inbox(t, buyer, { category: 'ORDER_UPDATES', first: 100 });
          const bodies = box.conversations.flatMap((c: any) => c.messages.map((m: any) => m.body));
          expect(bodies).toContain(`Order ${replied.order.number}: the seller replied to your feedback.`);
        }, 15_000);
      });

      it('lists the feedback the buyer left, newest first with cursors and a count (Manage Feedback)', SLOW, async () => {
        const me = await registerUser(t.client);
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const o = await twoLineOrder(s.productId, me);
          await expectOk(me.client, F.leave, { id: o.id, input: { ...base, comment: `number ${i}` } }, 'leaveFeedback');
          ids.push(o.id);
          t.clock.advance(1);
        }
        const first = (await me.client.data<any>(F.given, { first: 2 })).viewer;
        expect(first.feedbackCount).toBe(3);
        expect(first.feedbackGiven.totalCount).toBe(3);
        expect(first.feedbackGiven.edges.map((e: any) => e.node.order.id)).toEqual([ids[2], ids[1]]);
        expect(first.feedbackGiven.pageInfo.hasNextPage).toBe(true);
        const rest = (await me.client.data<any>(F.given, { first: 2, after: first.feedbackGiven.pageInfo.endCursor })).viewer.feedbackGiven;
        expect(rest.edges.map((e: any) => e.node.comment)).toEqual(['number 0']);
        expect(rest.pageInfo.hasNextPage).toBe(false);
        const bad = await me.client.request(F.given, { after: 'nonsense' });
        expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      });

      it('refuses an edit after the edit window, however unchanged the feedback', SLOW, async () => {
        const a = await twoLineOrder(s.productId);
        await expectOk(buyer.client, F.leave, { id: a.id, input: base }, 'leaveFeedback');
        t.clock.advance(t.config.orderClock.feedbackEditWindowS + 1);
        const late = (await buyer.client.data<any>(F.edit, { id: a.id, input: { ...base, productRating: 5 } })).editFeedback;
        expect(late.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_STATE' })]);
        expect(late.userErrors[0].message).toContain('within 30 days');
        expect((await buyer.client.data<any>(F.order, { id: a.id })).order.feedback).toMatchObject({ productRating: 3, editedAt: null });
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
