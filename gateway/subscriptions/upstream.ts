/**
 * The gateway's connections to subgraphs for subscriptions: one multiplexed
 * graphql-ws client per subgraph (lazy: the socket opens with the first
 * subscription and closes shortly after the last), with the subgraph secret
 * in the upgrade request and, in each subscribe message, the identity it
 * runs as (`extensions.identity`, sharing.ts). It asks for start positions
 * (platform/subscriptions/positions.ts): each subscription's first `next` is
 * where it starts, so that one that has received nothing yet can still
 * resume exactly. graphql-ws and ws are used through their public APIs only:
 * the headers go in through the WebSocket constructor's options.
 *
 * The client does not retry by itself: when a socket drops, every
 * subscription on it errors, and source.ts re-subscribes with the last
 * cursor it received (it alone knows it).
 */
import { createClient, type Client, type FormattedExecutionResult, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { POSITIONS_HEADER } from '../../platform/subscriptions/positions.ts';
import { SECRET_HEADER } from '../../platform/protocol.ts';

export interface UpstreamSink {
  /** An event, or (first, without `data`) the subscription's start position. */
  next(result: FormattedExecutionResult<Record<string, unknown>, unknown>): void;
  /** The subgraph refused or failed the subscription with GraphQL errors: final. */
  graphqlError(errors: readonly { message: string; extensions?: Record<string, unknown> }[]): void;
  /** The connection failed or dropped: may be retried. */
  connectionLost(reason: string): void;
  complete(): void;
}

export class UpstreamPool {
  private clients = new Map<string, Client>();
  private active = 0;
  private readonly WebSocketWithHeaders: typeof WebSocket;

  constructor(
    private readonly urls: Record<string, string>,
    secret: string,
  ) {
    const headers = { [SECRET_HEADER]: secret, [POSITIONS_HEADER]: '1' };
    // graphql-ws constructs the socket as `new impl(url, protocol)`: the headers ride on the options
    this.WebSocketWithHeaders = class extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    } as unknown as typeof WebSocket;
  }

  /** Upstream subscriptions currently open (for tests and metrics). */
  activeCount(): number {
    return this.active;
  }

  private client(service: string): Client {
    let c = this.clients.get(service);
    if (!c) {
      const url = this.urls[service];
      if (!url) throw new Error(`no URL for subgraph ${service}`);
      c = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: this.WebSocketWithHeaders,
        lazy: true,
        lazyCloseTimeout: 1_000,
        retryAttempts: 0,
        keepAlive: 10_000,
      });
      this.clients.set(service, c);
    }
    return c;
  }

  /**
   * Subscribe upstream. `payload` is kept by reference: the caller may update
   * its variables (the resume cursor) so that any re-send uses them.
   * Returns the unsubscribe function (idempotent).
   */
  subscribe(service: string, payload: SubscribePayload, sink: UpstreamSink): () => void {
    let ended = false;
    this.active++;
    const end = () => {
      if (ended) return false;
      ended = true;
      this.active--;
      return true;
    };
    let dispose: () => void = () => {};
    try {
      dispose = this.client(service).subscribe<Record<string, unknown>>(payload, {
        next: (r) => {
          if (!ended) sink.next(r);
        },
        error: (err) => {
          // graphql-ws keeps a lock on the connection for a subscription that
          // failed with its socket; releasing it lets the lazy socket close.
          queueMicrotask(() => dispose());
          if (!end()) return;
          if (Array.isArray(err)) sink.graphqlError(err);
          else sink.connectionLost(describe(err));
        },
        complete: () => {
          if (end()) sink.complete();
        },
      });
    } catch (err) {
      end();
      queueMicrotask(() => sink.connectionLost(describe(err)));
    }
    return () => {
      if (end()) dispose();
    };
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.dispose()));
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const e = err as { code?: number; reason?: string; type?: string };
  if (e && typeof e.code === 'number') return `socket closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
  if (e && e.type) return `socket ${e.type}`;
  return 'connection failed';
}
