/**
 * SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT: open websockets per client address
 * (client-key.ts) and per kind.
 */
import type { WebSocket } from 'ws';

export type SlotKind = 'before-init' | 'signed-in' | 'guest';

/**
 * SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT, per client and per kind: sockets not yet
 * past `connection_init`, signed-in sockets and guest sockets each count apart,
 * so guests (kept open by keep-alive, never able to subscribe) cannot lock the
 * signed-in people of a shared address out.
 */
export class SocketSlots {
  private readonly counts = new Map<string, number>();
  private readonly held = new WeakMap<WebSocket, { client: string; kind: SlotKind }>();
  constructor(private readonly max: number) {}

  private take(ws: WebSocket, client: string, kind: SlotKind): boolean {
    const key = `${kind} ${client}`;
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    this.held.set(ws, { client, kind });
    return true;
  }

  /** A new socket, before its connection_init. */
  open(ws: WebSocket, client: string): boolean {
    return this.take(ws, client, 'before-init');
  }

  /** Its connection_init was accepted: it counts as signed-in or guest from now on. */
  settle(ws: WebSocket, kind: SlotKind): boolean {
    const h = this.held.get(ws);
    if (!h) return true;
    this.release(ws);
    return this.take(ws, h.client, kind);
  }

  release(ws: WebSocket): void {
    const h = this.held.get(ws);
    if (!h) return;
    this.held.delete(ws);
    const key = `${h.kind} ${h.client}`;
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }
}
