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
 * - The timer ticks every `tickMs` (100 ms by default: 120 ticks per interval
 *   at the default 12 s), each tick visiting one slot's sockets, so that at
 *   10,000 sockets a tick pings about 80 of them, not the 833 a once-a-second
 *   tick did: a tick is short wherever it falls. A closed socket is forgotten
 *   on its slot's next visit. The timer does not keep the process alive.
 * - While the gateway is in the middle of a fan-out (`busy`: frames wait in
 *   the writer, writer.ts), a tick is postponed: pings and the pongs they
 *   bring would otherwise take turns with the event's frames and delay its
 *   last subscribers (bench/RESULTS.md, issue #30). At most `maxPostponeMs`
 *   in a row (a quarter of the interval by default), so a gateway that never
 *   stops fanning out still pings; a postponement only moves pings later,
 *   so a dead peer is dropped at most that much later.
 */
import type { WebSocket } from 'ws';

export interface KeepAliveOptions {
  /** Time between two ticks of the timer (default 100 ms; at least one tick per interval). */
  tickMs?: number;
  /** Whether a tick should wait (the gateway is fanning an event out); never waits without it. */
  busy?: () => boolean;
  /** The longest a tick waits for `busy` in a row (default a quarter of the interval). */
  maxPostponeMs?: number;
}

export class KeepAlive {
  private readonly slots: Set<WebSocket>[];
  private readonly tickMs: number;
  private readonly busy: (() => boolean) | undefined;
  /** Ticks that may be postponed before the timer catches up regardless. */
  private readonly maxBehind: number;
  /** Slot visits postponed and not yet made up. */
  private behind = 0;
  /** Sockets pinged and not answered yet. */
  private readonly awaiting = new WeakSet<WebSocket>();
  private readonly answered: (this: WebSocket) => void;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;

  /** @param intervalMs time between two pings of one socket, and how long it has to answer */
  constructor(intervalMs: number, options: KeepAliveOptions = {}) {
    const n = Math.max(1, Math.min(Math.round(intervalMs / Math.max(1, options.tickMs ?? 100)), intervalMs));
    this.slots = Array.from({ length: n }, () => new Set());
    this.tickMs = Math.max(1, Math.floor(intervalMs / n));
    this.busy = options.busy;
    this.maxBehind = Math.floor((options.maxPostponeMs ?? intervalMs / 4) / this.tickMs);
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
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  /**
   * Visit the next slot; while busy, postpone (up to `maxBehind` visits);
   * afterwards make the postponed visits up two slots a tick, or all at once
   * when the limit is reached, so every socket is still pinged once per
   * interval on average.
   */
  private tick(): void {
    const busy = this.busy !== undefined && this.busy();
    if (busy && this.behind < this.maxBehind) {
      this.behind++;
      return;
    }
    const extra = busy ? this.behind : Math.min(this.behind, 1);
    this.behind -= extra;
    for (let i = 0; i <= extra; i++) this.visit();
  }

  private visit(): void {
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
