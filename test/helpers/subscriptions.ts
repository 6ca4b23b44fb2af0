/**
 * Subscribing through the gateway's websocket as a mobile client would
 * (graphql-ws with the `ws` WebSocket), for tests.
 *
 *   const ws = connect(t, seller.token);
 *   const sub = subscribe(ws, `subscription { messageAdded { cursor body } }`);
 *   await sub.waitFor(1);
 *   sub.unsubscribe(); await ws.dispose();
 */
import { createClient, type Client, type ClientOptions, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestStack } from './stack.ts';

export interface Connected extends Client {
  /** Close codes and reasons this client's sockets were closed with. */
  closes: { code: number; reason: string }[];
}

export function connect(t: TestStack, token?: string, options: Partial<ClientOptions> = {}): Connected {
  const closes: { code: number; reason: string }[] = [];
  const client = createClient({
    url: t.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    ...options,
    on: {
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        closes.push({ code: ev.code, reason: String(ev.reason) });
      },
      ...options.on,
    },
  });
  return Object.assign(client, { closes });
}

export interface Collected<T = Record<string, any>> {
  results: FormattedExecutionResult<T, unknown>[];
  /** The data of each result, in order. */
  readonly events: T[];
  error: unknown;
  completed: boolean;
  /** Resolves once `n` results arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<T[]>;
  /** Resolves once the subscription ended (completed or errored). */
  ended(ms?: number): Promise<void>;
  unsubscribe(): void;
}

export function subscribe<T = Record<string, any>>(client: Client, query: string, variables?: Record<string, unknown>): Collected<T> {
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const w of waiters) w();
  };
  const c: Collected<T> = {
    results: [],
    get events() {
      return c.results.map((r) => r.data as T);
    },
    error: undefined,
    completed: false,
    waitFor: (n, ms = 5_000) => until(() => c.results.length >= n || c.completed || c.error !== undefined, ms, `${n} results`).then(() => c.events),
    ended: (ms = 5_000) => until(() => c.completed || c.error !== undefined, ms, 'the end of the subscription'),
    unsubscribe: () => dispose(),
  };
  const until = (cond: () => boolean, ms: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (cond()) return resolve();
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}: ${JSON.stringify({ results: c.results, error: c.error })}`));
      }, ms);
      waiters.add(check);
    });
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        c.results.push(r);
        poke();
      },
      error: (e) => {
        c.error = e;
        poke();
      },
      complete: () => {
        c.completed = true;
        poke();
      },
    },
  );
  return c;
}

/** Waits until `cond()` holds (polling), or fails after `ms`. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 5_000, what = 'a condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
