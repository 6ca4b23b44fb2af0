/**
 * Live event streams for subscriptions (a Repeater, @repeaterjs/repeater:
 * its `return()` ends the stream at once, even while a `next()` waits).
 *
 * `liveEvents` delivers the events addressed to one viewer: with `after`, it
 * first replays every such event after that sequence number from the log,
 * then continues live, with no gap and no duplicate (it starts listening
 * before it reads the replay and drops live events already replayed). It ends
 * when the viewer's session (or user) is revoked, and errors when the client
 * falls more than `maxQueue` events behind. The stream carries where it
 * starts (`LIVE_POSITION`, positions.ts): resuming with `after` = that
 * position yields exactly what it delivers.
 */
import { Repeater } from '@repeaterjs/repeater';
import { GraphQLError } from 'graphql';
import type { AuthVerifier, Viewer } from '../auth.ts';
import type { BusEvent, EventBus } from '../events/bus.ts';
import { LIVE_POSITION } from './positions.ts';

export interface LiveOptions<T> {
  bus: EventBus;
  verifier: AuthVerifier;
  viewer: Viewer;
  topics: string[];
  /** Replay events with seq greater than this first. */
  after?: number;
  /** Extra filter beyond "the viewer is in the audience". */
  filter?: (e: BusEvent) => boolean;
  /**
   * Turn an event into the subscription's value (may load data); `SKIP` passes
   * over an event that has nothing to deliver any more (e.g. its row was deleted
   * since): nothing is sent for it and the stream goes on.
   */
  map: (e: BusEvent) => Promise<T | typeof SKIP> | T | typeof SKIP;
  /** Events buffered for a slow consumer before it is cut off (default 1000). */
  maxQueue?: number;
  /**
   * How long a failing read (the replay, or `map` loading an event's data) is
   * retried before the subscription errors, in ms (default 15000). Covers a
   * database connection cut: the pool reconnects and the stream goes on with
   * nothing lost. GraphQL errors (deliberate answers) are never retried.
   */
  retryForMs?: number;
}

/** What `map` returns for an event to pass over (deleted since it was published). */
export const SKIP: unique symbol = Symbol('live.skip');

/** A live stream: an async iterator that knows where it starts. */
export type LiveStream<T> = AsyncIterableIterator<T> & { [LIVE_POSITION]: number };

/** Runs `fn` until it succeeds, backing off, while `keepGoing()` and for at most `forMs`. */
async function retrying<T>(fn: () => Promise<T> | T, forMs: number, keepGoing: () => boolean): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GraphQLError || !keepGoing() || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
      if (!keepGoing()) throw err;
    }
  }
}

export function liveEvents<T>(o: LiveOptions<T>): LiveStream<T> {
  const maxQueue = o.maxQueue ?? 1000;
  const retryForMs = o.retryForMs ?? 15_000;
  const startSeq = o.bus.position;
  /** Events heard live and not delivered yet (listening starts now, before the first `next()`). */
  const queue: BusEvent[] = [];
  let wake: (() => void) | undefined;
  /** Revoked (deliver nothing more), or fell behind (deliver what is queued, then this error). */
  let revoked = false;
  let overflow: GraphQLError | undefined;
  let stopped = false;

  // the bus hands over only the viewer's events of these topics (onEvent with an audience and topics)
  const wants = (e: BusEvent) => !o.filter || o.filter(e);
  const offEvent = o.bus.onEvent(
    (e) => {
      if (overflow || revoked || !wants(e)) return;
      if (queue.length >= maxQueue) {
        overflow = new GraphQLError('Subscription fell too far behind and was closed.', { extensions: { code: 'RATE_LIMITED' } });
        offEvent();
      } else queue.push(e);
      wake?.();
    },
    o.viewer.id,
    o.topics,
  );
  const offRevoke = o.verifier.onRevoke((r) => {
    if ((r.userId === o.viewer.id && !r.sessionIds) || r.sessionIds?.includes(o.viewer.sessionId)) {
      revoked = true;
      wake?.();
    }
  });
  const release = () => {
    stopped = true;
    offEvent();
    offRevoke();
    wake?.();
  };
  const keepGoing = () => !stopped && !revoked;

  const stream = new Repeater<T>(async (push, stop) => {
    void stop.then(release);
    const deliver = async (e: BusEvent) => {
      const value = await retrying(() => o.map(e), retryForMs, keepGoing);
      if (value !== SKIP && keepGoing()) await push(value);
    };
    try {
      let last = o.after ?? 0;
      if (o.after !== undefined) {
        // the replay: the log's events up to where listening started; the live ones after it follow
        for (let from = o.after; keepGoing();) {
          const page = await retrying(() => o.bus.readAfter(from, { topics: o.topics, audience: o.viewer.id, limit: 200 }), retryForMs, keepGoing);
          const inRange = page.filter((e) => e.seq <= startSeq);
          for (const e of inRange) if ((!o.filter || o.filter(e)) && keepGoing()) await deliver(e);
          if (inRange.length) last = inRange[inRange.length - 1].seq;
          if (page.length < 200 || inRange.length < page.length) break;
          from = page[page.length - 1].seq;
        }
      }
      while (keepGoing()) {
        const e = queue.shift();
        if (e === undefined) {
          if (overflow) throw overflow;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        if (e.seq <= last) continue; // replayed already
        last = e.seq;
        await deliver(e);
      }
      stop();
    } catch (err) {
      if (keepGoing()) stop(err);
      else stop(); // the consumer left, or the session was revoked meanwhile: nothing to report
    } finally {
      release();
    }
  });
  // where this stream starts: resuming with `after` = this yields what it would deliver (positions.ts)
  return Object.assign(leaving(stream, release), { [LIVE_POSITION]: o.after ?? startSeq });
}

/**
 * `stream`, with `cleanup` run when the consumer leaves (`return` or
 * `throw`), also before the stream has started: a Repeater runs its executor
 * (where it would clean up) only once asked for a first value, and
 * graphql-ws returns a subscription completed before it began iterating.
 */
export function leaving<T>(stream: AsyncIterableIterator<T>, cleanup: () => void): AsyncIterableIterator<T> {
  const it: AsyncIterableIterator<T> = {
    next: () => stream.next(),
    return: (value?: unknown) => {
      cleanup();
      return stream.return ? stream.return(value) : Promise.resolve({ value: undefined, done: true as const });
    },
    throw: (err?: unknown) => {
      cleanup();
      return stream.throw ? stream.throw(err) : Promise.reject(err);
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}

/**
 * The DataLoaders (or any value) of one subscription for each event it
 * delivers: a fresh set per event (loaders cache what they read, and a live
 * subscription must see each event's data as it is now), the same set for
 * every read of that event (a retried `map`, the fields resolved on it).
 * One per subscription: nothing is shared between two subscribers, whose
 * loaders may be bound to who they are.
 *
 *   const eventLoaders = perEvent(() => createLoaders(db, viewer));
 *   ctx.loaders = eventLoaders(e.seq);
 */
export function perEvent<T>(create: () => T): (seq: number) => T {
  let current: { seq: number; value: T } | undefined;
  return (seq) => {
    if (current?.seq !== seq) current = { seq, value: create() };
    return current.value;
  };
}
