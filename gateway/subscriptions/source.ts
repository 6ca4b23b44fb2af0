/**
 * The upstream side of gateway subscriptions: one subscription on a subgraph,
 * each of its events completed once with the plan's rest (execute.ts), the
 * result handed to every client stream listening (stream.ts).
 *
 * - Sharing (SUBSCRIPTION_DEDUPLICATION, on by default): live subscriptions
 *   with the same document, operation, variables and token (so the same
 *   session) share one source: one upstream subscription, one execution per
 *   event, the same result for each client. A subscription that resumes from
 *   a cursor (`after`) never shares: its replay is its own. A source that has
 *   lost its connection or ended takes no new listeners.
 * - The cursor of the last event received is remembered, and before the
 *   first event the position the subgraph said the subscription starts at
 *   (platform/subscriptions/positions.ts); when the upstream connection drops it
 *   re-subscribes with `after` = that cursor (the subgraph replays from
 *   there), so no listener misses anything or sees anything twice, even
 *   events committed while it was re-subscribing before any first event. Only after `upstreamRetryMs` of failures do listeners get
 *   a GraphQL error (SUBGRAPH_UNAVAILABLE), and the source ends.
 * - At most `queueLimit` events wait to be completed; past that every
 *   listener is told it overflowed.
 * - The last listener leaving ends the upstream subscription at once.
 */
import type { ServiceMap } from '@apollo/gateway';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { GraphQLError } from './graphql.ts';
import type { FormattedExecutionResult, SubscribePayload } from 'graphql-ws';
import type { Logger } from '../../platform/log.ts';
import { maskError } from '../../platform/server.ts';
import type { GatewayContext } from '../context.ts';
import type { Viewer } from '../../platform/auth.ts';
import { directResult, executeEvent } from './execute.ts';
import type { SubscriptionOptions } from './options.ts';
import { AFTER_VARIABLE, CURSOR_ALIAS, type SubscriptionPlan, type SubscriptionPlanner } from './planner.ts';
import { isSharedPayload, positionOf, type UpstreamPool } from './upstream.ts';

export interface SourceDeps {
  planner: SubscriptionPlanner;
  services: ServiceMap;
  pool: UpstreamPool;
  options: SubscriptionOptions;
  log: Logger;
  /** Live sources by sharing key; without it nothing is shared. */
  shared?: Map<string, SubscriptionSource>;
}

/** A client stream, as a source sees it. */
export interface SourceListener {
  /** One completed event (the same object for every listener). */
  result(r: ExecutionResult): void;
  /** No more events; `r`, when given, is the last thing to deliver (an error). */
  end(r?: ExecutionResult): void;
  /** Events piled up beyond the queue limit: the listener is cut off. */
  overflow(): void;
}

type Item = { kind: 'event'; data: Record<string, unknown>; errors?: readonly GraphQLFormattedError[] } | { kind: 'final'; result?: ExecutionResult };

const STABLE_AFTER_MS = 1_000;

/**
 * An event's result for every source handed the same upstream payload (a
 * batched frame, upstream.ts) whose plan needs nothing more than it: one
 * object, so its JSON is encoded once for all their clients (stream.ts).
 */
const directResults = new WeakMap<Record<string, unknown>, ExecutionResult>();

/** `Bearer <token>`, one string per viewer (verified viewers are shared per token), not one per subscription. */
const bearers = new WeakMap<Viewer, string>();
function bearer(viewer: Viewer): string {
  let b = bearers.get(viewer);
  if (b === undefined) bearers.set(viewer, (b = `Bearer ${viewer.token}`));
  return b;
}

/**
 * The source for a new client subscription: a live one it can share, or a
 * new one (registered for sharing when it is live).
 */
export function sourceFor(
  deps: SourceDeps,
  plan: SubscriptionPlan,
  context: GatewayContext,
  variables: Record<string, unknown>,
  query: string,
): SubscriptionSource {
  const key = deps.shared && plan.clientAfter === undefined && context.viewer ? shareKey(plan, context.viewer, variables, query) : undefined;
  const live = key !== undefined ? deps.shared!.get(key) : undefined;
  if (live) return live;
  return new SubscriptionSource(deps, plan, context, variables, query, key);
}

function shareKey(plan: SubscriptionPlan, viewer: Viewer, variables: Record<string, unknown>, query: string): string {
  return `${viewer.token}\n${plan.operationContext.operation.name?.value ?? ''}\n${JSON.stringify(variables)}\n${query}`;
}

export class SubscriptionSource {
  private readonly listeners = new Set<SourceListener>();
  private readonly items: Item[] = [];
  private working = false;
  /** Upstream is over, or every listener left: nothing more is produced. */
  private ended = false;
  private unsubscribe: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private failingSince: number | null = null;
  private attempts = 0;
  private readonly payload: SubscribePayload & { variables: Record<string, unknown> };

  constructor(
    private readonly deps: SourceDeps,
    private readonly plan: SubscriptionPlan,
    private readonly context: GatewayContext,
    private readonly variables: Record<string, unknown>,
    private readonly query: string,
    /** Where this source is registered for sharing, if it is. */
    private key?: string,
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
    if (key !== undefined) deps.shared!.set(key, this);
    this.open();
  }

  add(listener: SourceListener): void {
    this.listeners.add(listener);
  }

  /** The listener leaves; the last one out ends the upstream subscription. */
  remove(listener: SourceListener): void {
    if (!this.listeners.delete(listener) || this.listeners.size) return;
    this.ended = true;
    this.items.length = 0;
    this.unshare();
    this.stopUpstream();
  }

  /** Take no new listeners (lost connection, or over). */
  private unshare(): void {
    if (this.key !== undefined && this.deps.shared!.get(this.key) === this) this.deps.shared!.delete(this.key);
    this.key = undefined;
  }

  private open(): void {
    if (this.ended) return;
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
    if (this.ended) return;
    const position = positionOf(r as { data?: unknown; extensions?: Record<string, unknown> });
    if (position !== undefined) {
      // where the upstream subscription starts: the cursor to resume after until its first event
      this.payload.variables[AFTER_VARIABLE] = position;
      return;
    }
    this.failingSince = null;
    this.attempts = 0;
    const data = r.data as Record<string, unknown> | null | undefined;
    if (!data) {
      // the subgraph failed this event as a whole
      this.finish({ errors: (r.errors ?? []).map((e) => this.toClientError(e, e)) });
      return;
    }
    const root = data[this.plan.rootKey] as Record<string, unknown> | null | undefined;
    const cursor = root?.[CURSOR_ALIAS];
    if (typeof cursor === 'string') this.payload.variables[AFTER_VARIABLE] = cursor;
    // a batched frame's payload is one object for every subscription it answers (upstream.ts):
    // a query plan's execution builds on what it is given, so it gets a copy of its own
    const own = this.plan.direct || !isSharedPayload(r) ? data : structuredClone(data);
    this.enqueue({ kind: 'event', data: own, errors: r.errors });
  }

  private onConnectionLost(reason: string): void {
    this.unsubscribe = null;
    if (this.ended) return;
    // a newcomer would get the replay of events from before it subscribed
    this.unshare();
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
    if (this.ended) return;
    if (item.kind === 'event' && this.items.length >= this.deps.options.queueLimit) {
      this.deps.log.warn('subscription events pile up, cutting its subscribers off', { subgraph: this.plan.serviceName });
      for (const l of [...this.listeners]) l.overflow();
      return;
    }
    // nothing queued and nothing to complete: hand it over now, without a turn of the work loop
    if (!this.working && this.items.length === 0 && item.kind === 'event' && this.deliverDirect(item)) return;
    this.items.push(item);
    void this.work();
  }

  /** A `direct` plan's event without errors, to every listener; false for anything else. */
  private deliverDirect(item: Extract<Item, { kind: 'event' }>): boolean {
    if (!this.plan.direct || item.errors?.length) return false;
    // one result object per upstream payload, however many sources it reaches
    let out = directResults.get(item.data);
    if (!out) directResults.set(item.data, (out = directResult(this.plan, item.data)));
    for (const l of this.listeners) l.result(out); // a listener leaving meanwhile is skipped; a Set allows it
    return true;
  }

  /** Upstream is over (completed or failed): deliver what is queued, then `result`, then end. */
  private finish(result?: ExecutionResult): void {
    this.unshare();
    this.stopUpstream();
    this.enqueue({ kind: 'final', result });
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (this.items.length && !this.ended) {
        const item = this.items.shift()!;
        if (item.kind === 'final') {
          this.ended = true;
          this.items.length = 0;
          this.unshare();
          this.stopUpstream();
          for (const l of [...this.listeners]) l.end(item.result);
          this.listeners.clear();
          break;
        }
        if (this.deliverDirect(item)) continue;
        let result: ExecutionResult;
        try {
          result = await executeEvent(this.deps.planner, this.deps.services, this.plan, item.data, this.context, this.variables, this.query);
        } catch (err) {
          result = { data: null, errors: [this.toClientError({ message: 'Internal server error' }, err)] };
        }
        if (this.ended) break;
        const errors = [...(item.errors ?? []).map((e) => this.toClientError(e, e)), ...(result.errors ?? []).map((e) => this.toClientError(e.toJSON(), e))];
        const out: ExecutionResult = errors.length ? { data: result.data, errors } : { data: result.data };
        for (const l of [...this.listeners]) l.result(out);
      }
    } finally {
      this.working = false;
    }
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
}
