/**
 * Events of the users subgraph. It consumes none; it publishes revocations,
 * which every verifier (gateway and subgraphs, platform/auth.ts) applies at
 * once, and the mutation that published them waits for that (service/common.ts
 * `settle`).
 */
import type { NewEvent } from '../../platform/events/bus.ts';
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

/** The users subgraph consumes no events. */
export const consumers: Consumer[] = [];
