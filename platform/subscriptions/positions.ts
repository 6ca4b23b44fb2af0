/**
 * Start positions of subscriptions, between a subgraph and the gateway: an
 * extension of graphql-ws (`graphql-transport-ws`) for one client only.
 *
 * The gateway resumes an upstream subscription after a drop with `after` =
 * the cursor of the last event it received. A subscription that has received
 * nothing yet has no such cursor, so events committed while the gateway
 * re-subscribes would be lost. With this extension the subgraph tells where
 * each subscription starts, before its first event:
 *
 * - Opt-in per connection: the upgrade request carries `POSITIONS_HEADER: 1`
 *   (with the subgraph secret: the gateway). Any other client sees plain
 *   graphql-ws.
 * - Once a subscription runs (its live listener is registered), the subgraph
 *   sends `{"type":"position","id":"<id>","cursor":"<cursor>"}`: the cursor
 *   after which its events come. Resuming with `after: <cursor>` yields
 *   exactly the events it would have delivered from there: no gap, no
 *   duplicate. It comes before the subscription's first `next`, once per
 *   subscribe.
 * - An event cursor is the decimal sequence number of the event in the
 *   kit's event log (events.ts); a live subscription's start is the bus's
 *   position when it started listening, a replay's the `after` it was given.
 */

/** Upgrade request header by which a client asks for position frames. */
export const POSITIONS_HEADER = 'x-graphql-ws-positions';

/** Where a live event stream starts (live.ts sets it on its iterator). */
export const LIVE_POSITION: unique symbol = Symbol.for('marketplace.livePosition') as never;

const PREFIX = '{"type":"position","id":';

export function positionFrame(id: string, cursor: string): string {
  return `${PREFIX}${JSON.stringify(id)},"cursor":${JSON.stringify(cursor)}}`;
}

/** A received frame's subscription id and cursor, or undefined when it is not a position frame. */
export function parsePositionFrame(data: unknown): { id: string; cursor: string } | undefined {
  if (typeof data !== 'string' || !data.startsWith(PREFIX)) return undefined;
  try {
    const m = JSON.parse(data) as { id?: unknown; cursor?: unknown };
    return typeof m.id === 'string' && typeof m.cursor === 'string' ? { id: m.id, cursor: m.cursor } : undefined;
  } catch {
    return undefined;
  }
}

/** The start position of a subscription's event stream, when it has one. */
export function startPositionOf(stream: unknown): number | undefined {
  if (stream === null || typeof stream !== 'object') return undefined;
  const p = (stream as { [LIVE_POSITION]?: unknown })[LIVE_POSITION];
  return typeof p === 'number' && Number.isFinite(p) ? p : undefined;
}
