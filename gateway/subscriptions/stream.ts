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
 * - At most `queueLimit` results wait for a slow client; past that the
 *   subscription ends and `onOverflow` is called (the socket is closed 4429).
 * - `return()` (client `complete`, disconnect, gateway close) leaves the
 *   source at once, even while a `next()` is pending; the last to leave ends
 *   the upstream subscription.
 */
import type { ExecutionResult } from 'graphql';
import type { GatewayContext } from '../context.ts';
import type { SubscriptionPlan } from './planner.ts';
import { sourceFor, type SourceDeps, type SourceListener, type SubscriptionSource } from './source.ts';

export type StreamDeps = SourceDeps;

export class GatewayStream implements AsyncIterableIterator<ExecutionResult>, SourceListener {
  private readonly results: ExecutionResult[] = [];
  private waiting: ((r: IteratorResult<ExecutionResult>) => void) | null = null;
  /** No more results will be produced (after those in `results`). */
  private ended = false;
  /** Closed by the consumer or overflow: stop everything, deliver nothing more. */
  private closed = false;
  private readonly source: SubscriptionSource;

  constructor(
    private readonly deps: StreamDeps,
    plan: SubscriptionPlan,
    context: GatewayContext,
    variables: Record<string, unknown>,
    query: string,
    private readonly onOverflow: () => void,
    private readonly onEnd: () => void = () => {},
  ) {
    this.source = sourceFor(deps, plan, context, variables, query);
    this.source.add(this);
  }

  /** The cursor a re-subscription upstream would resume after. */
  get resumeCursor(): string | null {
    return this.source.resumeCursor;
  }

  result(r: ExecutionResult): void {
    if (this.closed) return;
    if (this.results.length >= this.deps.options.queueLimit) return this.overflow();
    this.results.push(r);
    this.deliver();
  }

  end(r?: ExecutionResult): void {
    if (this.closed) return;
    if (r) this.results.push(r);
    this.ended = true;
    this.deliver();
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
    } else if (this.closed || this.ended) {
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
    if (first) {
      this.source.remove(this);
      this.onEnd();
    }
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      this.results.length = 0;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.results.length) return Promise.resolve({ value: this.results.shift()!, done: false });
    if (this.closed || this.ended) {
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
