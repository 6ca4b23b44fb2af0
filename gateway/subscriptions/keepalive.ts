/**
 * Keep-alive towards the gateway's client sockets (SUBSCRIPTION_KEEPALIVE_MS),
 * with one timer for all of them instead of graphql-ws's interval per socket
 * and timeout per ping.
 *
 * - Every socket is pinged (a WebSocket ping frame; clients answer it
 *   themselves) once per interval, at a phase drawn at random when it
 *   connects. Sockets that connected together, a wave of reconnects after a
 *   deploy, are pinged spread over the interval instead of all at the same
 *   moment every interval, where their pings would hold up the events being
 *   written to them (bench/RESULTS.md).
 * - A socket that has not answered its ping when its next one is due is
 *   terminated: a dead peer is dropped within two intervals, as graphql-ws
 *   does.
 * - The timer ticks `slots` times per interval, each tick visiting one
 *   slot's sockets; a closed socket is forgotten on its slot's next visit.
 *   It does not keep the process alive.
 */
import type { WebSocket } from 'ws';

export class KeepAlive {
  private readonly slots: Set<WebSocket>[];
  /** Sockets pinged and not answered yet. */
  private readonly awaiting = new WeakSet<WebSocket>();
  private readonly answered: (this: WebSocket) => void;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param intervalMs time between two pings of one socket, and how long it has to answer
   * @param slots ticks per interval (default 12: once a second at the default 12 s)
   */
  constructor(
    private readonly intervalMs: number,
    slots = 12,
  ) {
    const n = Math.max(1, Math.min(slots, intervalMs));
    this.slots = Array.from({ length: n }, () => new Set());
    const awaiting = this.awaiting;
    this.answered = function (this: WebSocket) {
      awaiting.delete(this);
    };
  }

  /** Keep `socket` alive from now on (until it closes). */
  add(socket: WebSocket): void {
    this.slots[Math.min(this.slots.length - 1, Math.floor(Math.random() * this.slots.length))].add(socket);
    socket.on('pong', this.answered);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(this.intervalMs / this.slots.length)));
      this.timer.unref();
    }
  }

  private tick(): void {
    const slot = this.slots[this.next];
    this.next = (this.next + 1) % this.slots.length;
    for (const socket of slot) {
      if (socket.readyState !== socket.OPEN) {
        if (socket.readyState === socket.CLOSED) slot.delete(socket);
        continue;
      }
      if (this.awaiting.has(socket)) {
        slot.delete(socket);
        socket.terminate();
        continue;
      }
      this.awaiting.add(socket);
      socket.ping();
    }
  }

  /** Stop the timer and forget every socket. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const s of this.slots) s.clear();
  }
}
