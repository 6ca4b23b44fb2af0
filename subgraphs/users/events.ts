/**
 * Events of the users subgraph. It publishes revocations, which every verifier
 * (gateway and subgraphs, platform/auth.ts) applies at once, and the mutation
 * that published them waits for that (service/common.ts `settle`); and the
 * `admin.action` of its own admin actions (platform/admin.ts).
 *
 * Consumed: `admin.action` of every subgraph (consumer `users.audit-log`): an
 * entry in the append-only audit log, once per actionId (service/admin.ts).
 */
import { ADMIN_ACTION, parseAdminAction, type AdminActionPayload } from '../../platform/admin.ts';
import type { Tx } from '../../platform/db.ts';
import type { NewEvent } from '../../platform/events/bus.ts';
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

/** What the audit log's consumer does with a well-formed action (service/admin.ts). */
export interface AuditRecorder {
  recordAdminAction(tx: Tx, action: AdminActionPayload): Promise<void>;
}

export function consumers(service: AuditRecorder, log: Logger): Consumer[] {
  return [
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
