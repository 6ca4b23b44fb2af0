/**
 * Events of the users subgraph. It publishes revocations, which every
 * verifier (gateway and subgraphs, platform/auth.ts) applies at once, and the
 * mutation that published them waits for that (service/common.ts `settle`);
 * and the `admin.action` of its own admin actions (platform/admin.ts).
 * It consumes the events it emails people about (service/notifications.ts):
 * order status changes, price drops of watched products, new messages; and
 * `admin.action` of every subgraph (consumer `users.audit-log`): an entry in
 * the append-only audit log, once per actionId (service/admin.ts).
 */
import { ADMIN_ACTION, parseAdminAction, type AdminActionPayload } from '../../platform/admin.ts';
import type { Tx } from '../../platform/db.ts';
import type { Handler, NewEvent } from '../../platform/events/bus.ts';
import type { Logger } from '../../platform/log.ts';
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

/** What the audit log's consumer does with a well-formed action (service/admin.ts). */
export interface AuditRecorder {
  recordAdminAction(tx: Tx, action: AdminActionPayload): Promise<void>;
}

/**
 * Notification emails: each consumer queues its emails in the transaction that
 * moves its position (exactly once per event), keyed by event and person
 * (`service` is the UsersService, service/notifications.ts). The audit log:
 * one entry per admin action.
 */
export function consumers(service: Notifier & AuditRecorder, log: Logger): Consumer[] {
  return [
    { name: 'users.order-emails', topics: ['order.status_changed'], handle: (tx, e) => service.notifyOrderStatus(tx, e) },
    { name: 'users.price-drop-emails', topics: ['promotion.price_dropped'], handle: (tx, e) => service.notifyPriceDrop(tx, e) },
    { name: 'users.message-emails', topics: ['message.created'], handle: (tx, e) => service.notifyMessage(tx, e) },
    {
      name: 'users.audit-log',
      topics: [ADMIN_ACTION],
      handle: async (tx, e) => {
        const action = parseAdminAction(e.payload);
        if (!action) {
          log.warn('skipping a malformed admin.action', { seq: e.seq });
          return;
        }
        await service.recordAdminAction(tx, action);
      },
    },
  ];
}
