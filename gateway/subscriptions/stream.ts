/**
 * One client subscription through the gateway, as a hand-written async
 * iterator of execution results (an `async function*` would keep the
 * upstream subscription open: its `return()` waits behind a pending
 * `next()`).
 *
 * - Events come from a source (source.ts): the upstream subscription, its
 *   resumption after a dropped connection, and the completion of each event
 *   with the plan's rest; live subscriptions of one session with the same
 *   document and variables share one.
 * - With a `FrameSink` (the gateway's server), each result is written to
 *   the client's socket as a graphql-ws `next` frame at once (or, past the
 *   writer's budget for this turn, in a later turn: writer.ts), its payload
 *   encoded once however many sockets share it, the WebSocket frame built in
 *   one buffer and written in one go; graphql-ws only sees the
 *   stream end (and sends `complete`). Without one (tests), results are
 *   yielded by the iterator for graphql-ws to send.
 * - At most `queueLimit` results wait for a slow client (written and not yet
 *   flushed to the socket, or not yet taken from the iterator); past that the
 *   subscription ends and `onOverflow` is called (the socket is closed 4429).
 * - `return()` (client `complete`, disconnect, gateway close) leaves the
 *   source at once, even while a `next()` is pending; the last to leave ends
 *   the upstream subscription.
 */
import type { ExecutionResult } from 'graphql';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context.ts';
import type { SubscriptionPlan } from './planner.ts';
import { sourceFor, type SourceDeps, type SourceListener, type SubscriptionSource } from './source.ts';
import type { FrameWriter } from './writer.ts';

export interface StreamDeps extends SourceDeps {
  /** Paces writes to client sockets (writer.ts); without one, each frame is written at once. */
  writer?: FrameWriter;
}

/** Where a stream writes its results itself: the subscription's id on the client's socket. */
export interface FrameSink {
  id: string;
  socket: WebSocket;
}

/** A result's `payload` as UTF-8 bytes, encoded once for every socket it goes to. */
const payloads = new WeakMap<ExecutionResult, Buffer>();
function payloadBytes(r: ExecutionResult): Buffer {
  let bytes = payloads.get(r);
  if (bytes === undefined) {
    // as graphql-ws encodes it: data, then errors (GraphQLError#toJSON) only when there are some
    bytes = Buffer.from(JSON.stringify(r.errors?.length ? { data: r.data, errors: r.errors } : { data: r.data }));
    payloads.set(r, bytes);
  }
  return bytes;
}

/** The bytes of a `next` frame before its payload, per subscription. */
const prefixes = new WeakMap<FrameSink, Buffer>();
const CLOSE_BRACE = 0x7d;

/**
 * One WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as a
 * server sends) holding `{"id":…,"type":"next","payload":…}`, built in a
 * single buffer: the payload is copied, not re-encoded per socket, and the
 * socket gets one write instead of ws's header-and-string pair.
 */
function nextFrame(sink: FrameSink, payload: Buffer): Buffer {
  let prefix = prefixes.get(sink);
  if (prefix === undefined) prefixes.set(sink, (prefix = Buffer.from(`{"id":${JSON.stringify(sink.id)},"type":"next","payload":`)));
  const length = prefix.length + payload.length + 1;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  prefix.copy(frame, header);
  payload.copy(frame, header + prefix.length);
  frame[header + length - 1] = CLOSE_BRACE;
  return frame;
}

/**
 * The TCP socket under a ws WebSocket, when frames may be written to it
 * directly: ws writes every frame of an uncompressed connection straight
 * to it too (its queue only holds frames waiting for compression), so a
 * whole frame written there keeps the stream intact.
 */
function rawSocket(ws: WebSocket): Duplex | undefined {
  const w = ws as WebSocket & { _socket?: Duplex };
  return w.extensions === '' && w._socket ? w._socket : undefined;
}

export class GatewayStream implements AsyncIterableIterator<ExecutionResult>, SourceListener {
  private readonly results: ExecutionResult[] = [];
  private waiting: ((r: IteratorResult<ExecutionResult>) => void) | null = null;
  /** No more results will be produced (after those in `results`). */
  private ended = false;
  /** Closed by the consumer or overflow: stop everything, deliver nothing more. */
  private closed = false;
  private readonly source: SubscriptionSource;
  /** Frames handed to the writer or the socket and not yet flushed (with a sink). */
  private unflushed = 0;
  /** Frames waiting in the writer (writer.ts) for a later turn. */
  private queued = 0;
  private readonly flushed = () => {
    this.unflushed--;
  };

  constructor(
    private readonly deps: StreamDeps,
    plan: SubscriptionPlan,
    context: GatewayContext,
    variables: Record<string, unknown>,
    query: string,
    private readonly onOverflow: () => void,
    private readonly onEnd: () => void = () => {},
    private readonly sink?: FrameSink,
  ) {
    this.source = sourceFor(deps, plan, context, variables, query);
    this.source.add(this);
  }

  result(r: ExecutionResult): void {
    if (this.closed) return;
    if (this.results.length + this.unflushed >= this.deps.options.queueLimit) return this.overflow();
    if (this.sink) this.write(this.sink, r);
    else {
      this.results.push(r);
      this.deliver();
    }
  }

  end(r?: ExecutionResult): void {
    if (this.closed) return;
    if (r && this.sink) this.write(this.sink, r);
    else if (r) this.results.push(r);
    this.ended = true;
    this.deliver();
  }

  private write(sink: FrameSink, r: ExecutionResult): void {
    if (sink.socket.readyState !== sink.socket.OPEN) return;
    this.unflushed++;
    const writer = this.deps.writer;
    if (!writer || writer.now()) return this.send(sink, r);
    this.queued++;
    writer.later(() => {
      this.queued--;
      if (this.closed || sink.socket.readyState !== sink.socket.OPEN) this.unflushed--;
      else this.send(sink, r);
      if (this.queued === 0) this.deliver(); // an end waiting for these frames
    });
  }

  private send(sink: FrameSink, r: ExecutionResult): void {
    const raw = rawSocket(sink.socket);
    if (raw) raw.write(nextFrame(sink, payloadBytes(r)), this.flushed);
    else sink.socket.send(`{"id":${JSON.stringify(sink.id)},"type":"next","payload":${payloadBytes(r).toString()}}`, this.flushed);
  }

  /**
   * Nothing more to hand over: closed, or ended with no frame still waiting
   * in the writer (graphql-ws sends `complete` when the iterator is done,
   * which must not overtake the last frames).
   */
  private finished(): boolean {
    return this.closed || (this.ended && this.queued === 0);
  }

  overflow(): void {
    if (this.closed) return;
    this.deps.log.warn('subscriber too slow, closing');
    this.close();
    this.onOverflow();
  }

  private deliver(): void {
    if (!this.waiting) return;
    const resolve = this.waiting;
    if (this.results.length) {
      this.waiting = null;
      resolve({ value: this.results.shift()!, done: false });
    } else if (this.finished()) {
      this.waiting = null;
      this.close();
      resolve({ value: undefined, done: true });
    }
  }

  /** End everything now (idempotent). */
  close(): void {
    const first = !this.closed;
    this.closed = true;
    this.ended = true;
    this.results.length = 0; // closed delivers nothing more, not even what waits
    if (first) {
      this.source.remove(this);
      this.onEnd();
    }
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.results.length) return Promise.resolve({ value: this.results.shift()!, done: false });
    if (this.finished()) {
      this.close();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.close();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
