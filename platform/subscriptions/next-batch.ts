/**
 * Batched `next` frames between a subgraph and the gateway: one websocket
 * frame for many subscriptions that get the same answer to one event.
 *
 * graphql-ws sends one `next` message per subscription. When the gateway
 * carries many sessions' subscriptions to the same event over its one
 * connection (a seller signed in on 10,000 devices, each its own session),
 * the subgraph would encode, frame and write 10,000 copies of one payload,
 * and the gateway read and parse each. With this extension the subgraph
 * sends `{"type":"next_batch","ids":[…],"payload":…}` instead: the payload
 * once, with the ids of every subscription it answers; the gateway hands the
 * same parsed payload to each of them.
 *
 * - Opt-in per connection: only a client that sends the `NEXT_BATCH_HEADER`
 *   header on the upgrade request (with the subgraph secret: the gateway)
 *   gets batches; any other graphql-ws client sees the plain protocol.
 * - Only `next` messages of one turn whose payload text is identical are
 *   batched; a single one goes out as the plain message. Subscribers whose
 *   selection reads nothing of who they are share one execution per event
 *   (fanout.ts) and so land in one turn; a selection with a per-viewer field
 *   (`Message.read`) is executed per subscriber, and those executions
 *   usually finish in different turns and go apart.
 * - Order is kept: the batches of a turn are sent before any other message
 *   (`complete`, `error`, `pong`…), at the end of the turn (after the
 *   microtasks, `process.nextTick`, as a fan-out resolves its subscribers in
 *   one such cascade), or as soon as a batch holds `maxIds` ids (default
 *   256), so the first subscribers of a large fan-out are not held back.
 * - Each subscription's write callback (graphql-ws awaits it before that
 *   subscription's next event) is called when its batch is written.
 */

/** Upgrade request header by which a client asks for batched `next` frames. */
export const NEXT_BATCH_HEADER = 'x-graphql-ws-next-batch';

const NEXT_BATCH_PREFIX = '{"type":"next_batch","ids":';
/** graphql-ws's server messages as it writes them: `{"id":…` first, and a `next`'s type up to its payload. */
export const ID_PREFIX = '{"id":';
export const NEXT_INFIX = ',"type":"next","payload":';

type Callback = (err?: Error) => void;
type Send = (data: string, cb?: Callback) => void;

interface Batch {
  ids: string[];
  callbacks: Callback[];
}

/** A socket's `send`, batching `next` messages (see `batchNextFrames`). */
export interface NextBatcher {
  /** Any message as graphql-ws's server writes it; a `next` joins the turn's batch for its payload. */
  send: Send;
  /**
   * The same `next` for several subscriptions at once, its payload already
   * JSON text (subscription groups, groups.ts); `cb` is called once, when all
   * of them are written.
   */
  next(ids: readonly string[], payload: string, cb?: Callback): void;
}

/**
 * Wrap a websocket's `send` so that `next` messages with the same payload
 * within a turn go out as one batch frame. `send` is the socket's own.
 */
export function batchNextFrames(send: Send, maxIds = 256): NextBatcher {
  const batches = new Map<string, Batch>();
  let scheduled = false;

  const write = (payload: string, b: Batch) => {
    const callbacks = b.callbacks;
    const done: Callback = (err) => {
      for (const cb of callbacks) cb(err);
    };
    if (b.ids.length === 1) send(`${ID_PREFIX}${JSON.stringify(b.ids[0])}${NEXT_INFIX}${payload}}`, done);
    else send(`${NEXT_BATCH_PREFIX}${JSON.stringify(b.ids)},"payload":${payload}}`, done);
  };
  const flush = () => {
    if (batches.size === 0) return;
    const all = [...batches];
    batches.clear();
    for (const [payload, b] of all) write(payload, b);
  };
  const endOfTurn = () => {
    scheduled = false;
    flush();
  };
  const add = (id: string, payload: string, cb: Callback) => {
    let b = batches.get(payload);
    if (!b) batches.set(payload, (b = { ids: [], callbacks: [] }));
    b.ids.push(id);
    b.callbacks.push(cb);
    if (b.ids.length >= maxIds) {
      batches.delete(payload);
      write(payload, b);
    }
    if (!scheduled) {
      scheduled = true;
      process.nextTick(endOfTurn);
    }
  };

  return {
    send(data, cb = () => {}) {
      const next = typeof data === 'string' ? splitNext(data) : undefined;
      if (!next) {
        flush(); // whatever was batched before this message goes first
        send(data, cb);
        return;
      }
      add(next.id, next.payload, cb);
    },
    next(ids, payload, cb = () => {}) {
      if (ids.length === 0) {
        cb();
        return;
      }
      // one callback for the lot, after the last of the frames it took is written
      let left = ids.length;
      let failed: Error | undefined;
      const one: Callback = (err) => {
        failed ??= err;
        if (--left === 0) cb(failed);
      };
      for (const id of ids) add(id, payload, one);
    },
  };
}

/** `{"id":…,"type":"next","payload":…}` as graphql-ws's server writes it, split; else undefined. */
function splitNext(data: string): { id: string; payload: string } | undefined {
  if (!data.startsWith(ID_PREFIX)) return undefined;
  const end = data.indexOf(NEXT_INFIX, ID_PREFIX.length);
  if (end < 0 || data.charCodeAt(data.length - 1) !== 0x7d /* } */) return undefined;
  let id: unknown;
  try {
    id = JSON.parse(data.slice(ID_PREFIX.length, end));
  } catch {
    return undefined;
  }
  if (typeof id !== 'string') return undefined;
  return { id, payload: data.slice(end + NEXT_INFIX.length, -1) };
}

/** A graphql-ws `next` message, as a client handles it. */
export interface NextMessage {
  id: string;
  type: 'next';
  payload: unknown;
}

/**
 * A received frame as the `next` messages it stands for, sharing one parsed
 * payload; undefined when it is not a batch (handle it as usual).
 */
export function expandNextBatch(data: unknown): NextMessage[] | undefined {
  if (typeof data !== 'string' || !data.startsWith(NEXT_BATCH_PREFIX)) return undefined;
  let batch: { ids?: unknown; payload?: unknown };
  try {
    batch = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!Array.isArray(batch.ids) || !batch.ids.every((id) => typeof id === 'string')) return undefined;
  return (batch.ids as string[]).map((id) => ({ id, type: 'next', payload: batch.payload }));
}
