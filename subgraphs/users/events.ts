/**
 * Events of the users subgraph. It publishes revocations, which every
 * verifier (gateway and subgraphs, platform/auth.ts) applies at once, and the
 * mutation that published them waits for that (service/common.ts `settle`).
 * It consumes the events it emails people about (service/notifications.ts):
 * order status changes, price drops of watched products, new messages.
 */
import type { Handler, NewEvent } from '../../platform/events/bus.ts';
import type { Consumer } from '../../platform/subgraph.ts';

/** Sessions ended (logout, password change, refresh-token reuse, deactivation): their tokens are refused. */
export const SESSION_REVOKED = 'session.revoked';
/** An account deactivated: every token of that person is refused. */
export const USER_DEACTIVATED = 'user.deactivated';

export function sessionsRevoked(userId: string, sessionIds: string[]): NewEvent {
  return { topic: SESSION_REVOKED, payload: { userId, sessionIds }, audience: [userId] };
}

export function userDeactivated(userId: string): NewEvent {
  return { topic: USER_DEACTIVATED, payload: { userId }, audience: [userId] };
}

export interface Notifier {
  notifyOrderStatus: Handler;
  notifyPriceDrop: Handler;
  notifyMessage: Handler;
}

/**
 * Notification emails: each consumer queues its emails in the transaction that
 * moves its position (exactly once per event), keyed by event and person
 * (`service` is the UsersService, service/notifications.ts).
 */
export function consumers(service: Notifier): Consumer[] {
  return [
    { name: 'users.order-emails', topics: ['order.status_changed'], handle: (tx, e) => service.notifyOrderStatus(tx, e) },
    { name: 'users.price-drop-emails', topics: ['promotion.price_dropped'], handle: (tx, e) => service.notifyPriceDrop(tx, e) },
    { name: 'users.message-emails', topics: ['message.created'], handle: (tx, e) => service.notifyMessage(tx, e) },
  ];
}
