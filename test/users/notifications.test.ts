/**
 * Notification emails and their settings, through the gateway, received on a
 * real SMTP server in the test: order news (shipped, cancelled, refunded),
 * price drops and new messages are emailed once each, after the change
 * committed, only to people who want them; each carries an unsubscribe link.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/mail.ts';
import { caughtUp, openStore, priceDropped, publishEvents, send } from '../helpers/messaging.ts';
import { expectOk, M, orderIn, placedOrder } from '../helpers/orders.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';
import { STACK_START_TIMEOUT_MS } from './helpers.ts';

const ERR = 'userErrors { field code message }';
const SETTINGS = `{ viewer { notificationSettings { emailOrderUpdates emailPriceDrops emailMessages } } }`;
const UPDATE = `mutation($input: NotificationSettingsInput!) { updateNotificationSettings(input: $input) { user { notificationSettings { emailOrderUpdates emailPriceDrops emailMessages } } ${ERR} } }`;
const UNSUBSCRIBE = `mutation($t: String!) { unsubscribe(token: $t) { setting ${ERR} } }`;
const PUBLIC_URL = 'https://shop.example';

let t: TestStack;
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestStack({ env: { SMTP_URL: smtp.url, PUBLIC_URL, MAIL_INTERVAL_MS: '200', MAIL_RETRY_MAX_MS: '200', SUBGRAPH_TIMEOUT_MS: '30000' } });
}, STACK_START_TIMEOUT_MS);
afterAll(async () => {
  await t?.stop();
  await smtp?.stop();
});

const to = (a: Account, subject: RegExp) => (m: ReceivedMail) => m.to === a.email && subject.test(m.subject);
const tokenOf = (m: ReceivedMail) => new URL(m.listUnsubscribe!).searchParams.get('token')!;
/** Waits until every consumer of users has handled the events so far, and the queue had time to send. */
const settled = async () => {
  for (const [c, topic] of [
    ['users.order-emails', 'order.status_changed'],
    ['users.price-drop-emails', 'promotion.price_dropped'],
    ['users.message-emails', 'message.created'],
  ]) {
    await caughtUp(t, c, topic);
  }
  await new Promise((r) => setTimeout(r, 500));
};

describe('notification settings', () => {
  it('default to orders and price drops on, messages off; only the fields given change', async () => {
    const a = await registerUser(t.client);
    expect((await a.client.data<any>(SETTINGS)).viewer.notificationSettings).toEqual({ emailOrderUpdates: true, emailPriceDrops: true, emailMessages: false });
    const r = (await a.client.data<any>(UPDATE, { input: { emailMessages: true, emailPriceDrops: false } })).updateNotificationSettings;
    expect(r).toEqual({ user: { notificationSettings: { emailOrderUpdates: true, emailPriceDrops: false, emailMessages: true } }, userErrors: [] });
    const again = (await a.client.data<any>(UPDATE, { input: { emailOrderUpdates: null } })).updateNotificationSettings;
    expect(again.user.notificationSettings).toEqual({ emailOrderUpdates: true, emailPriceDrops: false, emailMessages: true });
    expect((await t.client.request(UPDATE, { input: { emailMessages: true } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('order emails', () => {
  it('tell the buyer once that an order shipped, was cancelled or was refunded, with a link that turns them off', async () => {
    const buyer = await registerUser(t.client);
    const seller = await registerUser(t.client);
    const shipped = await orderIn(t, buyer, seller, 'UNCONFIRMED_DELIVERY');
    const mail = await smtp.next(to(buyer, /has shipped$/));
    expect(mail.text).toContain(`${PUBLIC_URL}/orders/${shipped}`);
    expect(mail.html).toContain('unsubscribe');
    expect(mail.listUnsubscribe).toMatch(new RegExp(`^${PUBLIC_URL}/unsubscribe\\?token=`));
    expect(mail.text).toContain(mail.listUnsubscribe);

    const cancelled = await placedOrder(t, buyer, seller);
    await expectOk(buyer.client, M.cancel, { id: cancelled.id, reason: 'Changed my mind' }, 'cancelOrder');
    expect((await smtp.next(to(buyer, /was cancelled$/))).text).toContain('Changed my mind');

    const disputed = await orderIn(t, buyer, seller, 'DISPUTED');
    await expectOk(seller.client, M.resolve, { id: disputed, refund: true }, 'resolveDispute');
    await smtp.next(to(buyer, /was refunded$/));

    await settled();
    // the seller is told nothing by email; the buyer once per change (paid and disputed are not emailed)
    expect(smtp.all((m) => m.to === seller.email)).toEqual([]);
    expect(
      smtp
        .all((m) => m.to === buyer.email)
        .map((m) => m.subject.replace(/#\S+ /, ''))
        .sort(),
    ).toEqual(['Your order has shipped', 'Your order has shipped', 'Your order was cancelled', 'Your order was refunded']);
  });

  it('are not sent again when the events are handled a second time (the consumer moved back)', async () => {
    const buyer = await registerUser(t.client);
    const seller = await registerUser(t.client);
    await orderIn(t, buyer, seller, 'UNCONFIRMED_DELIVERY');
    await smtp.next(to(buyer, /has shipped$/));
    await settled();
    // as after a crash between sending and recording the position: every event is handled again
    await t.stack.subgraphs.users.db.drizzle.execute(sql`update events.consumers set position = 0 where name = 'users.order-emails'`);
    await settled();
    expect(smtp.all(to(buyer, /has shipped$/))).toHaveLength(1);
  });

  it('stop after unsubscribing through the link, which names one person and one kind and cannot be forged', async () => {
    const buyer = await registerUser(t.client);
    const seller = await registerUser(t.client);
    await orderIn(t, buyer, seller, 'UNCONFIRMED_DELIVERY');
    const token = tokenOf(await smtp.next(to(buyer, /has shipped$/)));
    const [body] = token.split('.');
    const forged = `${Buffer.from(`${seller.userId}:emailOrderUpdates`).toString('base64url')}.${token.split('.')[1]}`;
    for (const bad of [forged, `${body}.x${token.split('.')[1].slice(1)}`, 'garbage', '']) {
      expect((await t.client.data<any>(UNSUBSCRIBE, { t: bad })).unsubscribe).toEqual({
        setting: null,
        userErrors: [{ field: ['token'], code: 'INVALID_TOKEN', message: 'This unsubscribe link is not valid.' }],
      });
    }
    expect((await t.client.data<any>(UNSUBSCRIBE, { t: token })).unsubscribe).toEqual({ setting: 'emailOrderUpdates', userErrors: [] });
    expect((await buyer.client.data<any>(SETTINGS)).viewer.notificationSettings).toEqual({
      emailOrderUpdates: false,
      emailPriceDrops: true,
      emailMessages: false,
    });
    expect((await seller.client.data<any>(SETTINGS)).viewer.notificationSettings.emailOrderUpdates).toBe(true);

    const order = await placedOrder(t, buyer, seller);
    await expectOk(buyer.client, M.cancel, { id: order.id, reason: 'No longer needed' }, 'cancelOrder');
    await settled();
    expect(smtp.all((m) => m.to === buyer.email).map((m) => m.subject)).toEqual([expect.stringMatching(/has shipped$/)]);
  });
});

describe('price drop and message emails', () => {
  it('tell a watcher of a price drop once, unless they turned price drops off', async () => {
    const watcher = await registerUser(t.client);
    const quiet = await registerUser(t.client);
    await quiet.client.data(UPDATE, { input: { emailPriceDrops: false } });
    const productId = crypto.randomUUID();
    await publishEvents(t, [
      priceDropped({ userId: watcher.userId, productId, title: 'Blue kettle', previousPrice: 2599, newPrice: 1999 }),
      priceDropped({ userId: quiet.userId, productId, title: 'Blue kettle', previousPrice: 2599, newPrice: 1999 }),
    ]);
    const mail = await smtp.next(to(watcher, /^Price drop: Blue kettle is now US \$19\.99$/));
    expect(mail.text).toContain('(it was US $25.99)');
    expect(mail.text).toContain(`${PUBLIC_URL}/products/${productId}`);
    await settled();
    expect(smtp.all((m) => m.to === quiet.email)).toEqual([]);
    expect(smtp.all((m) => m.to === watcher.email)).toHaveLength(1);
  });

  it('tell the recipient of a new message only once they turned message emails on', async () => {
    const buyer = await registerUser(t.client);
    const seller = await registerUser(t.client);
    const storeId = await openStore(seller);
    await send(buyer.client, { storeId, body: 'Is this in stock?' });
    await settled();
    expect(smtp.all((m) => m.to === seller.email)).toEqual([]);

    await seller.client.data(UPDATE, { input: { emailMessages: true } });
    const msg = await send(buyer.client, { storeId, body: 'Hello again' });
    const mail = await smtp.next(to(seller, /^You have a new message$/));
    expect(mail.text).toContain(`${PUBLIC_URL}/messages/${msg.conversation.id}`);
    await settled();
    expect(smtp.all((m) => m.to === seller.email)).toHaveLength(1);
    expect(smtp.all((m) => m.to === buyer.email)).toEqual([]);
  });
});
