/**
 * The upstream side of gateway subscriptions: one subscription on a subgraph,
 * each of its events completed once with the plan's rest (execute.ts), the
 * result handed to every client stream listening (stream.ts).
 *
 * - Sharing (sharing.ts, the one rule): the client subscriptions with the
 *   same key (audience, document, operation, variables) share one source:
 *   one upstream subscription, one execution per event, one `Answer` (its
 *   JSON encoded once) for every client. A source that has lost its
 *   connection or ended takes no new listeners.
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
import { maskError } from '../../platform/masking.ts';
import { IDENTITY_EXTENSION } from '../../platform/protocol.ts';
import { positionOf } from '../../platform/subscriptions/positions.ts';
import type { GatewayContext } from '../context.ts';
import { directResult, executeEvent } from './execute.ts';
import type { SubscriptionOptions } from './options.ts';
import { AFTER_VARIABLE, CURSOR_ALIAS, type SubscriptionPlan, type SubscriptionPlanner } from './planner.ts';
import { identityOf, shareKey } from './sharing.ts';
import type { UpstreamPool } from './upstream.ts';

export interface SourceDeps {
  planner: SubscriptionPlanner;
  services: ServiceMap;
  pool: UpstreamPool;
  options: SubscriptionOptions;
  log: Logger;
  /** Live sources by sharing key; without it nothing is shared. */
  shared?: Map<string, SubscriptionSource>;
}

/** One event's result, the same object for every listener of a source, its JSON encoded at most once. */
export class Answer {
  private encoded: Buffer | undefined;
  constructor(readonly result: ExecutionResult) {}

  /** The `payload` of a graphql-ws `next` message, as UTF-8 (as graphql-ws encodes it: `errors` only when there are some). */
  get payload(): Buffer {
    const r = this.result;
    return (this.encoded ??= Buffer.from(JSON.stringify(r.errors?.length ? { data: r.data, errors: r.errors } : { data: r.data })));
  }
}

/** A client stream, as a source sees it. */
export interface SourceListener {
  /** The subscriber's request context (its viewer's token fetches the fields of other subgraphs). */
  readonly context: GatewayContext;
  /** One completed event. */
  result(a: Answer): void;
  /** No more events; `a`, when given, is the last thing to deliver (an error). */
  end(a?: Answer): void;
  /** Events piled up beyond the queue limit: the listener is cut off. */
  overflow(): void;
}

type Item = { kind: 'event'; data: Record<string, unknown>; errors?: readonly GraphQLFormattedError[] } | { kind: 'final'; result?: ExecutionResult };

const STABLE_AFTER_MS = 1_000;

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
  const key = deps.shared ? shareKey(plan, context.viewer, variables, query) : undefined;
  const live = key !== undefined ? deps.shared!.get(key) : undefined;
  if (live) return live;
  return new SubscriptionSource(deps, plan, context, variables, query, key);
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
    /** The first subscriber's context: its request id names the upstream subscription in logs. */
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
      // the audience it runs as, verified here (sharing.ts); the subgraph trusts it behind the secret
      extensions: {
        ...(context.viewer ? { [IDENTITY_EXTENSION]: identityOf(context.viewer) } : {}),
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
    this.enqueue({ kind: 'event', data, errors: r.errors });
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
    const answer = new Answer(directResult(this.plan, item.data));
    for (const l of this.listeners) l.result(answer); // a listener leaving meanwhile is skipped; a Set allows it
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
          const last = item.result && new Answer(item.result);
          for (const l of [...this.listeners]) l.end(last);
          this.listeners.clear();
          break;
        }
        if (this.deliverDirect(item)) continue;
        // the fields of other subgraphs, fetched with the token of a subscriber still listening (all of one audience)
        const context = this.listeners.values().next().value?.context ?? this.context;
        let result: ExecutionResult;
        try {
          result = await executeEvent(this.deps.planner, this.deps.services, this.plan, item.data, context, this.variables, this.query);
        } catch (err) {
          result = { data: null, errors: [this.toClientError({ message: 'Internal server error' }, err)] };
        }
        if (this.ended) break;
        const errors = [...(item.errors ?? []).map((e) => this.toClientError(e, e)), ...(result.errors ?? []).map((e) => this.toClientError(e.toJSON(), e))];
        const out: ExecutionResult = errors.length ? { data: result.data, errors } : { data: result.data };
        const answer = new Answer(out);
        for (const l of [...this.listeners]) l.result(answer);
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
