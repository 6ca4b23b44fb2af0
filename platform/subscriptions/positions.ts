/**
 * Start positions of subscriptions, between a subgraph and the gateway.
 *
 * The gateway resumes an upstream subscription after a drop with `after` =
 * the cursor of the last event it received. A subscription that has received
 * nothing yet has no such cursor, so events committed while the gateway
 * re-subscribes would be lost. So the subgraph tells where each subscription
 * starts, before its first event, in plain graphql-ws terms:
 *
 * - Opt-in per connection: the upgrade request carries `POSITIONS_HEADER: 1`
 *   (with the subgraph secret: the gateway). Any other client sees only its
 *   events.
 * - Once a subscription runs (its live listener is registered), its first
 *   `next` message is `{ "extensions": { "position": "<cursor>" } }`: no
 *   `data`, only the cursor after which its events come. Resuming with
 *   `after: <cursor>` yields exactly the events it would have delivered from
 *   there: no gap, no duplicate.
 * - An event cursor is the decimal sequence number of the event in the
 *   platform's event log (events/bus.ts); a live subscription's start is the
 *   bus's position when it started listening, a replay's the `after` it was
 *   given.
 */
import type { ExecutionResult } from 'graphql';

/** Upgrade request header by which a client asks for position messages. */
export const POSITIONS_HEADER = 'x-graphql-ws-positions';

/** The key under a `next` payload's `extensions` that carries a start position. */
export const POSITION_EXTENSION = 'position';

/** Where a live event stream starts (live.ts sets it on its stream, subscribe.ts keeps it on the results). */
export const LIVE_POSITION: unique symbol = Symbol.for('marketplace.livePosition') as never;

/** The `next` payload that tells a subscription where it starts. */
export function positionPayload(cursor: string): ExecutionResult {
  return { extensions: { [POSITION_EXTENSION]: cursor } };
}

/** The cursor of a position payload, or undefined for an event's payload. */
export function positionOf(payload: { data?: unknown; extensions?: Record<string, unknown> | null }): string | undefined {
  if (payload.data !== undefined) return undefined;
  const p = payload.extensions?.[POSITION_EXTENSION];
  return typeof p === 'string' ? p : undefined;
}

/** The start position of a subscription's event stream, when it has one. */
export function startPositionOf(stream: unknown): number | undefined {
  if (stream === null || typeof stream !== 'object') return undefined;
  const p = (stream as { [LIVE_POSITION]?: unknown })[LIVE_POSITION];
  return typeof p === 'number' && Number.isFinite(p) ? p : undefined;
}
