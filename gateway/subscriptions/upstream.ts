/**
 * The gateway's connections to subgraphs for subscriptions: one multiplexed
 * graphql-ws client per subgraph (lazy: the socket opens with the first
 * subscription and closes shortly after the last), with the subgraph secret
 * in the upgrade request and each viewer's token in its own subscribe
 * message (`extensions.authorization`, read by platform/server.ts). It asks for
 * batched `next` frames (platform/subscriptions/next-batch.ts): one frame, parsed
 * once, for the subscriptions of many sessions that get the same answer to
 * an event; each of them is handed the same payload object (read-only).
 * It also asks for position frames (platform/subscriptions/positions.ts): where each
 * subscription starts, handed to its sink before its first event, so that a
 * subscription that has received nothing yet can still resume exactly.
 *
 * The client does not retry by itself: when a socket drops, every
 * subscription on it errors, and stream.ts re-subscribes with the last
 * cursor it delivered (it alone knows it).
 */
import { createClient, type Client, type FormattedExecutionResult, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { expandNextBatch, NEXT_BATCH_HEADER } from '../../platform/subscriptions/next-batch.ts';
import { parsePositionFrame, POSITIONS_HEADER } from '../../platform/subscriptions/positions.ts';
import { SECRET_HEADER } from '../../platform/protocol.ts';

/**
 * A subscription's start position (platform/subscriptions/positions.ts) reaches its
 * sink as a `next` whose payload has only `extensions[POSITION_EXTENSION]`.
 */
export const POSITION_EXTENSION = 'gwPosition_';

/** The cursor of a position handed to a sink as a `next` payload, or undefined for an event. */
export function positionOf(payload: { data?: unknown; extensions?: Record<string, unknown> }): string | undefined {
  if (payload.data !== undefined) return undefined;
  const p = payload.extensions?.[POSITION_EXTENSION];
  return typeof p === 'string' ? p : undefined;
}

export interface UpstreamSink {
  next(result: FormattedExecutionResult<Record<string, unknown>, unknown>): void;
  /** The subgraph refused or failed the subscription with GraphQL errors: final. */
  graphqlError(errors: readonly { message: string; extensions?: Record<string, unknown> }[]): void;
  /** The connection failed or dropped: may be retried. */
  connectionLost(reason: string): void;
  complete(): void;
}

/** Payloads handed to more than one subscription (a batched frame): read them, never change them. */
const sharedPayloads = new WeakSet<object>();
export const isSharedPayload = (payload: object): boolean => sharedPayloads.has(payload);

/**
 * Make `onmessage` (what graphql-ws's client listens with) see a batched
 * `next` frame (platform/subscriptions/next-batch.ts) as the `next` messages it
 * stands for, already parsed and sharing one payload object.
 */
function expandBatchesFor(Socket: typeof WebSocket): void {
  const inherited = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;
  Object.defineProperty(Socket.prototype, 'onmessage', {
    configurable: true,
    get() {
      return inherited.get!.call(this);
    },
    set(handler: ((event: { data: unknown }) => void) | null) {
      const expanding =
        handler &&
        ((event: { data: unknown }) => {
          const position = parsePositionFrame(event.data);
          if (position) return handler({ data: { id: position.id, type: 'next', payload: { extensions: { [POSITION_EXTENSION]: position.cursor } } } });
          const messages = expandNextBatch(event.data);
          if (!messages) return handler(event);
          const payload = messages[0]?.payload;
          if (messages.length > 1 && typeof payload === 'object' && payload !== null) sharedPayloads.add(payload); // anything else graphql-ws refuses
          for (const data of messages) handler({ data });
        });
      inherited.set!.call(this, expanding);
    },
  });
}

export class UpstreamPool {
  private clients = new Map<string, Client>();
  private active = 0;
  private readonly WebSocketWithSecret: typeof WebSocket;

  constructor(
    private readonly urls: Record<string, string>,
    secret: string,
  ) {
    this.WebSocketWithSecret = class extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { headers: { [SECRET_HEADER]: secret, [NEXT_BATCH_HEADER]: '1', [POSITIONS_HEADER]: '1' } });
      }
    } as unknown as typeof WebSocket;
    expandBatchesFor(this.WebSocketWithSecret);
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
        webSocketImpl: this.WebSocketWithSecret,
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
