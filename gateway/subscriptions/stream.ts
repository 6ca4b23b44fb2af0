/**
 * One client subscription through the gateway: graphql-ws's event stream for
 * it, fed by a source (source.ts).
 *
 * - Events come from the source: the upstream subscription, its resumption
 *   after a dropped connection, and the completion of each event with the
 *   plan's rest; subscriptions with the same sharing key (sharing.ts) share
 *   one.
 * - With a `FrameSink` (the gateway's server), each answer is written to
 *   the client's socket at once (or, past the writer's budget for this turn,
 *   in a later turn: writer.ts) as the graphql-ws `next` message
 *   `{"id":…,"type":"next","payload":…}`, through ws's public `send`: the
 *   payload's JSON is encoded once for every socket that receives it
 *   (`Answer`), each message is its prefix, the payload bytes and `}`. This
 *   is the one place the gateway writes graphql-ws messages itself (an
 *   extension point of our own, docs/subscriptions.md): graphql-ws sees a
 *   stream that yields nothing and ends (then it sends `complete`) when the
 *   source ends: its one pending `next()` (`EndSignal`). Without a sink
 *   (tests), answers are yielded for graphql-ws to send, through a Repeater
 *   (@repeaterjs/repeater).
 * - At most `queueLimit` answers wait for a slow client (written and not yet
 *   flushed to the socket, or not yet taken from the stream); past that the
 *   subscription ends and `onOverflow` is called (the socket is closed 4429).
 * - `return()` (client `complete`, disconnect, gateway close) leaves the
 *   source at once, even while a `next()` is pending; the last to leave ends
 *   the upstream subscription.
 */
import { Repeater } from '@repeaterjs/repeater';
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context.ts';
import type { SubscriptionPlan } from './planner.ts';
import { sourceFor, type Answer, type SourceDeps, type SourceListener, type SubscriptionSource } from './source.ts';
import type { FrameWriter } from './writer.ts';

export interface StreamDeps extends SourceDeps {
  /** Paces writes to client sockets (writer.ts); without one, each message is written at once. */
  writer?: FrameWriter;
}

/** Where a stream writes its answers itself: the subscription's id on the client's socket. */
export interface FrameSink {
  id: string;
  socket: WebSocket;
}

const CLOSE_BRACE = Buffer.from('}');
const DONE: IteratorResult<ExecutionResult> = Object.freeze({ value: undefined, done: true });

/**
 * With a sink, all graphql-ws waits for is the end: the one `next()` it
 * awaits, answered `done` when the stream ends. Nothing is ever yielded, so
 * no Repeater: a started Repeater holds a dozen promises, bound functions
 * and closures, about 2 KB of heap per idle subscription (bench/RESULTS.md).
 */
class EndSignal {
  /** graphql-ws has asked for the first answer. */
  started = false;
  private done = false;
  private pending: Promise<IteratorResult<ExecutionResult>> | undefined;
  private resolve: ((r: IteratorResult<ExecutionResult>) => void) | undefined;

  next(): Promise<IteratorResult<ExecutionResult>> {
    this.started = true;
    if (this.done) return Promise.resolve(DONE);
    return (this.pending ??= new Promise((resolve) => (this.resolve = resolve)));
  }

  finish(): void {
    this.done = true;
    this.pending = undefined;
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.(DONE);
  }
}

export class GatewayStream implements AsyncIterableIterator<ExecutionResult>, SourceListener {
  /** Without a sink: the answers for graphql-ws to take. */
  private readonly stream: Repeater<ExecutionResult> | undefined;
  /** With a sink: the end of the stream, for graphql-ws. */
  private readonly endSignal: EndSignal | undefined;
  private push: ((r: ExecutionResult) => Promise<unknown>) | undefined;
  private stop: (() => void) | undefined;
  /** Answers that came before graphql-ws first asked for one (without a sink). */
  private early: ExecutionResult[] | undefined;
  /** Answers handed to the stream and not taken yet (without a sink). */
  private untaken = 0;
  /** No more answers will come (after those handed over). */
  private ended = false;
  /** Closed by the consumer or overflow: stop everything, deliver nothing more. */
  private closed = false;
  private readonly source: SubscriptionSource;
  /** `{"id":<id>,"type":"next","payload":` for this subscription (with a sink, made with its first message). */
  private prefix: Buffer | undefined;
  /** Messages handed to the writer or the socket and not yet flushed (with a sink). */
  private unflushed = 0;
  /** Messages waiting in the writer (writer.ts) for a later turn. */
  private queued = 0;
  private readonly flushed = () => {
    this.unflushed--;
  };

  constructor(
    private readonly deps: StreamDeps,
    plan: SubscriptionPlan,
    readonly context: GatewayContext,
    variables: Record<string, unknown>,
    query: string,
    private readonly onOverflow: () => void,
    private readonly onEnd: () => void = () => {},
    private readonly sink?: FrameSink,
  ) {
    if (sink) this.endSignal = new EndSignal();
    else
      this.stream = new Repeater<ExecutionResult>(async (push, stop) => {
        this.push = push;
        this.stop = stop;
        const early = this.early ?? [];
        this.early = undefined;
        for (const r of early) this.hand(r);
        this.settle();
        await stop;
      });
    this.source = sourceFor(deps, plan, context, variables, query);
    this.source.add(this);
  }

  result(a: Answer): void {
    if (this.closed) return;
    if (this.untaken + this.unflushed >= this.deps.options.queueLimit) return this.overflow();
    if (this.sink) this.write(this.sink, a);
    else this.hand(a.result);
  }

  end(a?: Answer): void {
    if (this.closed) return;
    if (a && this.sink) this.write(this.sink, a);
    else if (a) this.hand(a.result);
    this.ended = true;
    this.settle();
  }

  /** An answer for graphql-ws to take from the stream. */
  private hand(r: ExecutionResult): void {
    this.untaken++;
    if (!this.push) {
      (this.early ??= []).push(r);
      return;
    }
    void this.push(r).then(() => this.untaken--);
  }

  private write(sink: FrameSink, a: Answer): void {
    if (sink.socket.readyState !== sink.socket.OPEN) return;
    this.unflushed++;
    const writer = this.deps.writer;
    if (!writer || writer.now()) return this.send(sink, a);
    this.queued++;
    writer.later(() => {
      this.queued--;
      if (this.closed || sink.socket.readyState !== sink.socket.OPEN) this.unflushed--;
      else this.send(sink, a);
      if (this.queued === 0) this.settle(); // an end waiting for these messages
    });
  }

  private send(sink: FrameSink, a: Answer): void {
    this.prefix ??= Buffer.from(`{"id":${JSON.stringify(sink.id)},"type":"next","payload":`);
    sink.socket.send(Buffer.concat([this.prefix, a.payload, CLOSE_BRACE]), { binary: false }, this.flushed);
  }

  /**
   * Ended with no message still waiting in the writer: the stream ends once
   * what was handed over is taken (graphql-ws then sends `complete`, which
   * must not overtake the last messages).
   */
  private settle(): void {
    if (!this.ended || this.queued > 0 || !(this.endSignal ? this.endSignal.started : this.stop)) return;
    if (!this.closed) {
      this.closed = true;
      this.source.remove(this);
      this.onEnd();
    }
    if (this.endSignal) this.endSignal.finish();
    else this.stop!();
  }

  overflow(): void {
    if (this.closed) return;
    this.deps.log.warn('subscriber too slow, closing');
    this.close();
    this.onOverflow();
  }

  /** End everything now, delivering nothing more (idempotent). */
  close(): void {
    this.ended = true;
    if (!this.closed) {
      this.closed = true;
      this.source.remove(this);
      this.onEnd();
    }
    if (this.endSignal) this.endSignal.finish();
    else void this.stream!.return();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.endSignal) return this.stream!.next();
    const next = this.endSignal.next();
    this.settle(); // an end that came before graphql-ws asked
    return next;
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
