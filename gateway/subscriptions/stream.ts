/**
 * One client subscription through the gateway, as a hand-written async
 * iterator of execution results (an `async function*` would keep the
 * upstream subscription open: its `return()` waits behind a pending
 * `next()`).
 *
 * - The primary runs upstream (upstream.ts); every event is completed with
 *   the plan's rest (execute.ts), one at a time, in order.
 * - The cursor of the last event received is remembered; when the upstream
 *   connection drops it re-subscribes with `after` = that cursor (the
 *   subgraph replays from there), so the client misses nothing and sees
 *   nothing twice. Only after `upstreamRetryMs` of failures does the client
 *   get a GraphQL error (SUBGRAPH_UNAVAILABLE) and the subscription ends.
 * - At most `queueLimit` events wait for a slow client; past that the
 *   subscription ends and `onOverflow` is called (the socket is closed 4429).
 * - `return()` (client `complete`, disconnect, gateway close) ends the
 *   upstream subscription at once, even while a `next()` is pending.
 */
import type { ServiceMap } from '@apollo/gateway';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { GraphQLError } from './graphql.ts';
import type { FormattedExecutionResult, SubscribePayload } from 'graphql-ws';
import type { Logger } from '../../subgraphs/kit/log.ts';
import { maskError } from '../../subgraphs/kit/server.ts';
import type { GatewayContext } from '../context.ts';
import type { Viewer } from '../../subgraphs/kit/auth.ts';
import { executeEvent } from './execute.ts';
import type { SubscriptionOptions } from './options.ts';
import { AFTER_VARIABLE, CURSOR_ALIAS, type SubscriptionPlan, type SubscriptionPlanner } from './planner.ts';
import type { UpstreamPool } from './upstream.ts';

export interface StreamDeps {
  planner: SubscriptionPlanner;
  services: ServiceMap;
  pool: UpstreamPool;
  options: SubscriptionOptions;
  log: Logger;
}

type Item = { kind: 'event'; data: Record<string, unknown>; errors?: readonly GraphQLFormattedError[] } | { kind: 'final'; result?: ExecutionResult };

const STABLE_AFTER_MS = 1_000;

/** `Bearer <token>`, one string per viewer (verified viewers are shared per token), not one per subscription. */
const bearers = new WeakMap<Viewer, string>();
function bearer(viewer: Viewer): string {
  let b = bearers.get(viewer);
  if (b === undefined) bearers.set(viewer, (b = `Bearer ${viewer.token}`));
  return b;
}

export class GatewayStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly items: Item[] = [];
  private readonly results: ExecutionResult[] = [];
  private waiting: ((r: IteratorResult<ExecutionResult>) => void) | null = null;
  private working = false;
  /** No more results will be produced (after those in `results`). */
  private ended = false;
  /** Closed by the consumer or overflow: stop everything, deliver nothing more. */
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private failingSince: number | null = null;
  private attempts = 0;
  private readonly payload: SubscribePayload & { variables: Record<string, unknown> };

  constructor(
    private readonly deps: StreamDeps,
    private readonly plan: SubscriptionPlan,
    private readonly context: GatewayContext,
    private readonly variables: Record<string, unknown>,
    private readonly query: string,
    private readonly onOverflow: () => void,
    private readonly onEnd: () => void = () => {},
  ) {
    const upstreamVariables: Record<string, unknown> = {};
    for (const name of plan.variableUsages) if (name in variables) upstreamVariables[name] = variables[name];
    upstreamVariables[AFTER_VARIABLE] = plan.clientAfter ?? null;
    this.payload = {
      query: plan.upstreamQuery,
      operationName: plan.primary.operationName,
      variables: upstreamVariables,
      extensions: {
        authorization: context.viewer ? bearer(context.viewer) : undefined,
        requestId: context.requestId,
      },
    };
    this.open();
  }

  /** The cursor the next re-subscription resumes after. */
  get resumeCursor(): string | null {
    return (this.payload.variables[AFTER_VARIABLE] as string | null) ?? null;
  }

  private open(): void {
    if (this.closed || this.ended) return;
    this.clearTimers();
    this.unsubscribe = this.deps.pool.subscribe(this.plan.serviceName, this.payload, {
      next: (r) => this.onUpstreamResult(r),
      graphqlError: (errors) => this.finish({ errors: errors.map((e) => this.toClientError(e, e)) }),
      connectionLost: (reason) => this.onConnectionLost(reason),
      complete: () => this.finish(),
    });
    this.stableTimer = setTimeout(() => {
      this.failingSince = null;
      this.attempts = 0;
    }, STABLE_AFTER_MS);
  }

  private onUpstreamResult(r: FormattedExecutionResult<Record<string, unknown>, unknown>): void {
    if (this.closed) return;
    this.failingSince = null;
    this.attempts = 0;
    const data = r.data as Record<string, unknown> | null | undefined;
    if (!data) {
      // the subgraph failed this event as a whole
      this.enqueue({ kind: 'final', result: { errors: (r.errors ?? []).map((e) => this.toClientError(e, e)) } });
      this.stopUpstream();
      return;
    }
    const root = data[this.plan.rootKey] as Record<string, unknown> | null | undefined;
    const cursor = root?.[CURSOR_ALIAS];
    if (typeof cursor === 'string') this.payload.variables[AFTER_VARIABLE] = cursor;
    this.enqueue({ kind: 'event', data, errors: r.errors });
  }

  private onConnectionLost(reason: string): void {
    this.unsubscribe = null;
    if (this.closed || this.ended) return;
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince >= this.deps.options.upstreamRetryMs) {
      this.deps.log.warn('subscription upstream unavailable, giving up', { subgraph: this.plan.serviceName, reason });
      this.finish({
        errors: [
          new GraphQLError('The source of this subscription is unavailable. Subscribe again later with `after` to resume.', {
            extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
          }),
        ],
      });
      return;
    }
    const delay = Math.min(100 * 2 ** this.attempts++, 2_000);
    this.deps.log.debug('subscription upstream lost, re-subscribing', { subgraph: this.plan.serviceName, reason, delay });
    this.clearTimers();
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private enqueue(item: Item): void {
    if (this.closed) return;
    if (item.kind === 'event' && this.items.length + this.results.length >= this.deps.options.queueLimit) {
      this.deps.log.warn('subscriber too slow, closing', { subgraph: this.plan.serviceName });
      this.close();
      this.onOverflow();
      return;
    }
    this.items.push(item);
    void this.work();
  }

  /** Upstream is over (completed or failed): deliver what is queued, then `result`, then end. */
  private finish(result?: ExecutionResult): void {
    this.stopUpstream();
    this.enqueue({ kind: 'final', result });
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (this.items.length && !this.closed) {
        const item = this.items.shift()!;
        if (item.kind === 'final') {
          if (item.result) this.results.push(item.result);
          this.ended = true;
          this.items.length = 0;
          this.stopUpstream();
          break;
        }
        let result: ExecutionResult;
        try {
          result = await executeEvent(this.deps.planner, this.deps.services, this.plan, item.data, this.context, this.variables, this.query);
        } catch (err) {
          result = { data: null, errors: [this.toClientError({ message: 'Internal server error' }, err)] };
        }
        const errors = [...(item.errors ?? []).map((e) => this.toClientError(e, e)), ...(result.errors ?? []).map((e) => this.toClientError(e.toJSON(), e))];
        if (this.closed) break;
        this.results.push(errors.length ? { data: result.data, errors } : { data: result.data });
        this.deliver();
      }
    } finally {
      this.working = false;
    }
    this.deliver();
  }

  private toClientError(formatted: GraphQLFormattedError, original: unknown): GraphQLError {
    const f = maskError(formatted);
    if (f.extensions?.code === 'INTERNAL_SERVER_ERROR' && formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') {
      const err = (original as { originalError?: unknown })?.originalError ?? original;
      const text = err instanceof Error ? String(err) : formatted.message; // upstream errors arrive as plain objects
      this.deps.log.error('subscription error', { err: text, path: formatted.path, requestId: this.context.requestId });
    }
    return new GraphQLError(f.message, { path: f.path, extensions: f.extensions });
  }

  private deliver(): void {
    if (!this.waiting) return;
    const resolve = this.waiting;
    if (this.results.length) {
      this.waiting = null;
      resolve({ value: this.results.shift()!, done: false });
    } else if (this.closed || (this.ended && !this.working)) {
      this.waiting = null;
      this.close();
      resolve({ value: undefined, done: true });
    }
  }

  private stopUpstream(): void {
    this.clearTimers();
    const u = this.unsubscribe;
    this.unsubscribe = null;
    u?.();
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.retryTimer = this.stableTimer = null;
  }

  /** End everything now (idempotent). */
  close(): void {
    const first = !this.closed;
    this.closed = true;
    this.ended = true;
    this.stopUpstream();
    this.items.length = 0;
    if (first) this.onEnd();
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      this.results.length = 0;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.results.length) return Promise.resolve({ value: this.results.shift()!, done: false });
    if (this.closed || (this.ended && !this.working && !this.items.length)) {
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
