/**
 * Notification emails and their settings. Order news (shipped, cancelled,
 * refunded), price drops of watched products and new messages reach the
 * users subgraph as events (events.ts); each handler runs in the consumer's
 * transaction and queues at most one email per event and person (the queue's
 * key is `event:<seq>:<userId>`), so an event handled again sends nothing
 * more. The email goes out after that commit (mail.ts). Each carries a signed
 * link that turns its kind off (`unsubscribe`).
 */
import crypto from 'node:crypto';
import type { Viewer } from '../../../platform/auth.ts';
import type { Tx } from '../../../platform/db.ts';
import { fail } from '../../../platform/errors.ts';
import type { BusEvent } from '../../../platform/events/bus.ts';
import { composeMail } from '../../../platform/mail/compose.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import type { UserRow } from '../db/schema.ts';
import { lockViewer, type Deps } from './common.ts';
import type { Mailer } from './mail.ts';

export const SETTINGS = ['emailOrderUpdates', 'emailPriceDrops', 'emailMessages'] as const;
export type Setting = (typeof SETTINGS)[number];
export type NotificationSettingsInput = Partial<Record<Setting, boolean | null>>;

const WHAT: Record<Setting, string> = {
  emailOrderUpdates: 'emails about your orders',
  emailPriceDrops: 'price drop emails',
  emailMessages: 'emails about new messages',
};

export function settingsOf(u: UserRow): Record<Setting, boolean> {
  return { emailOrderUpdates: u.emailOrderUpdates, emailPriceDrops: u.emailPriceDrops, emailMessages: u.emailMessages };
}

/** Only the fields given change (null: unchanged). */
export async function updateNotificationSettings(deps: Deps, viewer: Viewer, input: NotificationSettingsInput): Promise<UserRow> {
  const set: Partial<Record<Setting, boolean>> = {};
  for (const k of SETTINGS) if (typeof input?.[k] === 'boolean') set[k] = input[k];
  return deps.db.drizzle.transaction(async (tx) => {
    const me = await lockViewer(tx, viewer);
    return Object.keys(set).length ? q.updateUser(tx, me.id, set) : me;
  });
}

// ---- unsubscribe links

/** `<base64url(userId:setting)>.<mac>`: only this system can make one, and it names one person and one kind. */
export function unsubscribeToken(deps: Deps, userId: string, setting: Setting): string {
  const body = Buffer.from(`${userId}:${setting}`).toString('base64url');
  return `${body}.${deps.signer.mac('unsubscribe', body)}`;
}

export function unsubscribeUrl(deps: Deps, userId: string, setting: Setting): string {
  return `${deps.config.mail.publicUrl}/unsubscribe?token=${unsubscribeToken(deps, userId, setting)}`;
}

/** Turns off the setting the token names (no sign-in: the link in the email is the proof). */
export async function unsubscribe(deps: Deps, token: string): Promise<{ setting: Setting }> {
  const invalid = () => fail('INVALID_TOKEN', 'This unsubscribe link is not valid.', ['token']);
  const [body, mac, extra] = String(token ?? '').split('.');
  if (!body || !mac || extra !== undefined || body.length > 200) return invalid();
  const expected = Buffer.from(deps.signer.mac('unsubscribe', body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return invalid();
  const [userId, setting] = Buffer.from(body, 'base64url').toString('utf8').split(':');
  if (!isId(userId) || !(SETTINGS as readonly string[]).includes(setting)) return invalid();
  const user = await deps.db.drizzle.transaction(async (tx) => {
    const u = await q.lockActiveUser(tx, userId);
    if (u) await q.updateUser(tx, userId, { [setting]: false });
    return u;
  });
  if (!user) return invalid();
  return { setting: setting as Setting };
}

// ---- from events

const money = (cents: unknown) => (typeof cents === 'number' && Number.isFinite(cents) ? `US $${(cents / 100).toFixed(2)}` : '');

/** Queues one notification email to `user` for `event`, when the person is active and wants this kind. */
async function notify(
  deps: Deps,
  mailer: Mailer,
  tx: Tx,
  event: BusEvent,
  user: UserRow | undefined,
  setting: Setting,
  subject: string,
  paragraphs: string[],
): Promise<void> {
  if (!user || user.deactivatedAt || !user[setting]) return;
  const link = unsubscribeUrl(deps, user.id, setting);
  const body = composeMail({ greeting: `Hello ${user.fullName},`, paragraphs, unsubscribeUrl: link, unsubscribeWhat: WHAT[setting] });
  await mailer.enqueue(tx, {
    key: `event:${event.seq}:${user.id}`,
    toAddress: user.email,
    subject,
    textBody: body.text,
    htmlBody: body.html,
    unsubscribeUrl: link,
  });
}

const userIn = async (tx: Tx, id: unknown) => (isId(id) ? (await q.usersByIds(tx, [id]))[0] : undefined);

/** order.status_changed: the buyer hears of shipping, cancellation and refund. */
export async function notifyOrderStatus(deps: Deps, mailer: Mailer, tx: Tx, event: BusEvent): Promise<void> {
  const p = event.payload as { orderId?: string; number?: unknown; buyerId?: string; status?: string; previousStatus?: string; reason?: unknown };
  const order = `Your order ${p.number ? `#${String(p.number)}` : ''}`.trim();
  const link = `${deps.config.mail.publicUrl}/orders/${p.orderId ?? ''}`;
  const reason = typeof p.reason === 'string' && p.reason ? ` Reason: ${p.reason}` : '';
  let news: { subject: string; text: string } | undefined;
  if (p.status === 'UNCONFIRMED_DELIVERY' && p.previousStatus === 'SHIPMENT_REQUIRED') {
    news = { subject: `${order} has shipped`, text: `${order} is on its way. Confirm delivery once it arrives.` };
  } else if (p.status === 'CANCELLED') {
    news = { subject: `${order} was cancelled`, text: `${order} was cancelled.${reason} Any payment is refunded.` };
  } else if (p.status === 'REFUNDED') {
    news = { subject: `${order} was refunded`, text: `${order} was refunded.${reason}` };
  }
  if (!news) return;
  await notify(deps, mailer, tx, event, await userIn(tx, p.buyerId), 'emailOrderUpdates', news.subject, [news.text, `See the order: ${link}`]);
}

/** promotion.price_dropped: the watcher hears of it. */
export async function notifyPriceDrop(deps: Deps, mailer: Mailer, tx: Tx, event: BusEvent): Promise<void> {
  const p = event.payload as { userId?: string; productId?: string; title?: unknown; previousPrice?: unknown; newPrice?: unknown };
  const title = typeof p.title === 'string' && p.title ? p.title : 'A product you watch';
  const was = money(p.previousPrice);
  await notify(deps, mailer, tx, event, await userIn(tx, p.userId), 'emailPriceDrops', `Price drop: ${title} is now ${money(p.newPrice)}`, [
    `${title} now costs ${money(p.newPrice)}${was ? ` (it was ${was})` : ''}.`,
    `See it: ${deps.config.mail.publicUrl}/products/${p.productId ?? ''}`,
  ]);
}

/** message.created: each recipient who asked for it hears of a new message. */
export async function notifyMessage(deps: Deps, mailer: Mailer, tx: Tx, event: BusEvent): Promise<void> {
  const p = event.payload as { conversationId?: string; recipientIds?: unknown };
  const ids = Array.isArray(p.recipientIds) ? p.recipientIds.filter(isId).slice(0, 100) : [];
  if (!ids.length) return;
  for (const user of await q.usersByIds(tx, ids)) {
    await notify(deps, mailer, tx, event, user, 'emailMessages', 'You have a new message', [
      'Someone sent you a message.',
      `Read it: ${deps.config.mail.publicUrl}/messages/${p.conversationId ?? ''}`,
    ]);
  }
}
