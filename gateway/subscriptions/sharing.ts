/**
 * The one sharing decision of the subscription layer: which client
 * subscriptions may be answered by one upstream subscription, one execution
 * per event and one encoded result.
 *
 * Two subscriptions get the same answer to every event when they ask the
 * same thing (document, operation name, variables) for the same audience:
 * the same user with the same roles. Every field a subscription answers is
 * decided by those alone: resolvers see the user and roles, loaders are
 * bound to the user, and nothing depends on the session. So they share, also
 * across the sessions (devices) of one user; two people never share, however
 * alike their questions.
 *
 * - Never a subscription that resumes (`after` given): its replay is its own.
 * - Only a live source takes newcomers (source.ts: not one re-subscribing
 *   after a drop, which would replay events from before a newcomer came,
 *   nor one that has ended).
 * - Off with SUBSCRIPTION_DEDUPLICATION=false: every subscription its own.
 *
 * The upstream subscription runs as that audience: the gateway tells the
 * subgraph the verified identity (`extensions.identity`, behind the subgraph
 * secret, platform/protocol.ts) instead of one session's token, and itself
 * closes the sockets of a revoked session (4403) or an expired token (4401).
 * Fields of other subgraphs are fetched over HTTP with the token of one of
 * the subscribers still listening (all of the same audience).
 */
import type { Viewer } from '../../platform/auth.ts';
import type { Identity } from '../../platform/protocol.ts';
import type { SubscriptionPlan } from './planner.ts';

/** Who a subscription answers for: the verified user and roles, without session or token. */
export function identityOf(viewer: Viewer): Identity {
  return { userId: viewer.id, roles: [...viewer.roles].sort() };
}

/** The sharing key of a client subscription, or undefined when it shares with no one. */
export function shareKey(plan: SubscriptionPlan, viewer: Viewer | null, variables: Record<string, unknown>, query: string): string | undefined {
  if (!viewer || plan.clientAfter !== undefined) return undefined;
  const { userId, roles } = identityOf(viewer);
  return JSON.stringify([userId, roles, plan.operationContext.operation.name?.value ?? null, variables, query]);
}
