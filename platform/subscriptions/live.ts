/**
 * Live event streams for subscriptions, written as a hand-made async iterator
 * (an `async function*` would leak: its `return()` waits behind a pending
 * `next()`).
 *
 * `liveEvents` delivers the events addressed to one viewer: with `after`, it
 * first replays every such event after that sequence number from the log,
 * then continues live, with no gap and no duplicate (it starts listening
 * before it reads the replay and drops live events already replayed). It ends
 * when the viewer's session is revoked, and errors when the client falls more
 * than `maxQueue` events behind.
 */
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

export function liveEvents<T>(o: LiveOptions<T>): AsyncIterableIterator<T> {
  const maxQueue = o.maxQueue ?? 1000;
  const retryForMs = o.retryForMs ?? 15_000;
  let returned = false;
  // the consumer left, or the stream ended without an error (revoked session): deliver and retry nothing more
  const ended = () => returned || (done && !error);
  const keepGoing = () => !ended();
  const queue: BusEvent[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | null = null;
  let failWaiting: ((e: unknown) => void) | null = null;
  let done = false;
  let error: unknown = null;
  let replaying = o.after !== undefined;
  let lastDelivered = o.after ?? 0;
  const startSeq = o.bus.position;

  // the bus hands over only the viewer's events (onEvent with an audience)
  const wants = (e: BusEvent) => o.topics.includes(e.topic) && (!o.filter || o.filter(e));

  const finish = () => {
    if (done) return;
    done = true;
    offEvent();
    offRevoke();
  };

  const pushFromBus = (e: BusEvent) => {
    if (done || !wants(e)) return;
    if (queue.length >= maxQueue) {
      error = new GraphQLError('Subscription fell too far behind and was closed.', { extensions: { code: 'RATE_LIMITED' } });
      finish();
    } else queue.push(e);
    drain();
  };
  const offEvent = o.bus.onEvent(pushFromBus, o.viewer.id);
  const offRevoke = o.verifier.onRevoke((r) => {
    if (r.userId === o.viewer.id && !r.sessionIds) finish();
    if (r.sessionIds?.includes(o.viewer.sessionId)) finish();
    drain();
  });

  const drain = () => {
    if (!waiting || replaying) return;
    while (queue.length && queue[0].seq <= lastDelivered) queue.shift();
    if (queue.length) {
      const e = queue.shift()!;
      lastDelivered = e.seq;
      const resolve = waiting;
      const reject = failWaiting!;
      waiting = failWaiting = null;
      retrying(() => o.map(e), retryForMs, keepGoing).then(
        (value) => {
          if (ended()) return resolve({ value: undefined, done: true });
          if (value !== SKIP) return resolve({ value, done: false });
          // nothing to deliver for this one (its position is passed): the next event answers
          waiting = resolve;
          failWaiting = reject;
          drain();
        },
        (err) => (ended() ? resolve({ value: undefined, done: true }) : reject(err)),
      );
    } else if (done) {
      const resolve = waiting;
      const reject = failWaiting!;
      waiting = failWaiting = null;
      if (error) reject(error);
      else resolve({ value: undefined, done: true });
    }
  };

  if (replaying) {
    void (async () => {
      try {
        let from = o.after!;
        const replayed: BusEvent[] = [];
        for (;;) {
          const page = await retrying(() => o.bus.readAfter(from, { topics: o.topics, audience: o.viewer.id, limit: 200 }), retryForMs, keepGoing);
          const inRange = page.filter((e) => e.seq <= startSeq);
          replayed.push(...inRange.filter((e) => !o.filter || o.filter(e)));
          if (page.length < 200 || inRange.length < page.length) break;
          from = page[page.length - 1].seq;
        }
        queue.unshift(...replayed);
      } catch (err) {
        error = err;
        finish();
      }
      replaying = false;
      drain();
    })();
  }

  const it: AsyncIterableIterator<T> & { [LIVE_POSITION]: number } = {
    // where this stream starts: resuming with `after` = this yields what it would deliver (positions.ts)
    [LIVE_POSITION]: o.after ?? startSeq,
    next() {
      if (error && !queue.length) {
        const e = error;
        error = null;
        return Promise.reject(e);
      }
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
        drain();
      });
    },
    return() {
      returned = true;
      finish();
      queue.length = 0;
      if (waiting) {
        const w = waiting;
        waiting = failWaiting = null;
        w({ value: undefined, done: true });
      }
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err?: unknown) {
      returned = true;
      finish();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/**
 * One value per event, shared by every subscription that delivers it: give
 * each event's resolution the same DataLoaders, so a message reaching 5,000
 * subscribers is read once (one batch), not 5,000 times. Values are kept for
 * `keepMs` (default 5000) after their first use, long enough for subscribers
 * that are a little behind; at most `maxEvents` (default 500) are kept, so a
 * long replay does not hold one set of loaders per replayed event.
 *
 *   const eventLoaders = perEvent(() => createLoaders(db));
 *   ctx.loaders = eventLoaders(e.seq);
 */
export function perEvent<T>(create: () => T, keepMs = 5_000, maxEvents = 500): (seq: number) => T {
  const values = new Map<number, { value: T; at: number }>();
  return (seq) => {
    const now = Date.now();
    for (const [key, v] of values) {
      if (now - v.at <= keepMs && values.size < maxEvents) break; // insertion order: the rest are newer
      values.delete(key);
    }
    let v = values.get(seq);
    if (!v) values.set(seq, (v = { value: create(), at: now }));
    return v.value;
  };
}

/**
 * A value built once per event for every subscriber it goes to, where the
 * event's DataLoaders alone would not give one object (a value assembled
 * from the event and what the loaders read). Keyed by the event's object
 * from `perEvent`, so it lives exactly as long as that; a failed build is
 * forgotten, so a retry builds afresh. Subscribers that receive the same
 * object can share one execution (fanout.ts).
 *
 *   const statusEvent = oncePerEvent<Loaders, StatusEvent>();
 *   map: (e) => statusEvent(eventLoaders(e.seq), async () => ({ ... }))
 */
export function oncePerEvent<K extends object, T>(): (key: K, build: () => Promise<T>) => Promise<T> {
  const values = new WeakMap<K, Promise<T>>();
  return (key, build) => {
    let value = values.get(key);
    if (!value) {
      const built = (value = build());
      values.set(key, built);
      built.catch(() => {
        if (values.get(key) === built) values.delete(key);
      });
    }
    return value;
  };
}
