import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../platform/log.ts';
import { startSubgraph } from '../../subgraphs/runtime.ts';
import { mintPerson } from '../helpers/accounts.ts';
import { eventually, inbox, orderStatusChanged, publishEvents, PATIENT_GATEWAY } from '../helpers/messaging.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

describe('order updates when messaging instances come and go', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ env: PATIENT_GATEWAY });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
  });

  it.skipIf(!onPostgres)(
    '(PostgreSQL) a second instance starting and the first stopping mid-stream still make each message exactly once',
    async () => {
      const buyer = await mintPerson(t);
      const storeId = crypto.randomUUID();
      const sellerId = crypto.randomUUID();
      const publishUpdate = (i: number) =>
        publishEvents(t, [
          orderStatusChanged({
            orderId: crypto.randomUUID(),
            number: `2026-${String(i).padStart(6, '0')}`,
            buyerId: buyer.userId,
            storeId,
            sellerId,
            status: 'PAYMENT_REQUIRED',
          }),
        ]);

      for (let i = 0; i < 10; i++) await publishUpdate(i);
      const second = await startSubgraph('messaging', {
        config: t.config,
        keys: t.keys,
        secret: t.stack.secret,
        clock: t.clock,
        log: createLogger('silent'),
        port: 0,
        urls: t.stack.urls,
      });
      for (let i = 10; i < 20; i++) await publishUpdate(i); // two instances consume at once
      const first = t.stack.subgraphs.messaging;
      await first.stop(); // the first goes away mid-stream
      first.stop = async () => {};
      t.stack.urls.messaging = second.url;
      for (let i = 20; i < 30; i++) await publishUpdate(i);

      try {
        // the conversation row and its messages are read by two queries: wait
        // until both show every event, then make sure nothing more arrives
        await eventually(async () => {
          const b = await inbox(t, buyer, { category: 'ORDER_UPDATES' });
          expect(b.conversations[0]?.messages).toHaveLength(30);
          expect(b.conversations[0]?.unreadCount).toBe(30);
        });
        await new Promise((r) => setTimeout(r, 500));
        const box = await inbox(t, buyer, { category: 'ORDER_UPDATES' });
        expect(box.conversations[0].messages).toHaveLength(30);
        const bodies = box.conversations[0].messages.map((m: any) => m.body);
        expect(new Set(bodies).size).toBe(30);
        expect(bodies.at(-1)).toBe('Order 2026-000000 is now awaiting payment.');
        expect(box.conversations[0].unreadCount).toBe(30);
        expect(box.totalCount).toBe(1);
      } finally {
        await second.stop();
      }
    },
    120_000,
  );
});
