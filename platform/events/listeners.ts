/**
 * Live listeners and waiters of one bus, whichever carries the events: the
 * bus hands each event it tails to `deliver`, in order, once.
 */
import type { Logger } from '../log.ts';
import type { BusEvent } from './types.ts';

type Listener = (e: BusEvent) => void;

export class Listeners {
  /** Live listeners of every event. */
  private all = new Set<Listener>();
  /** Live listeners of one audience member's events: an event wakes only its audience's. */
  private byAudience = new Map<string, Set<Listener>>();
  private waiters: { seq: number; resolve: () => void }[] = [];
  /** Highest position delivered. */
  position = 0;

  constructor(
    private readonly log?: Logger,
    /** Asked to read what is new when someone waits for a position not yet seen. */
    private readonly poke: () => void = () => {},
  ) {}

  add(listener: Listener, audience?: string): () => void {
    if (audience === undefined) {
      this.all.add(listener);
      return () => this.all.delete(listener);
    }
    let set = this.byAudience.get(audience);
    if (!set) this.byAudience.set(audience, (set = new Set()));
    set.add(listener);
    const mine = set;
    return () => {
      mine.delete(listener);
      if (mine.size === 0 && this.byAudience.get(audience) === mine) this.byAudience.delete(audience);
    };
  }

  /** Hands `e` to the listeners of every event and to those of each of its audience. */
  deliver(e: BusEvent): void {
    this.position = e.seq;
    const call = (l: Listener) => {
      try {
        l(e);
      } catch (err) {
        this.log?.error('event listener failed', { topic: e.topic, seq: e.seq, err });
      }
    };
    for (const l of this.all) call(l);
    if (this.byAudience.size === 0) return;
    const audience = e.audience;
    for (let i = 0; i < audience.length; i++) {
      if (audience.indexOf(audience[i]) !== i) continue; // named twice: once
      const set = this.byAudience.get(audience[i]);
      if (set) for (const l of set) call(l);
    }
  }

  /** Resolves once `seq` (or a later position) was delivered, or after `timeoutMs`. */
  waitFor(seq: number, timeoutMs = 5000): Promise<void> {
    if (this.position >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      const w = { seq, resolve };
      this.waiters.push(w);
      this.poke();
      setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve();
      }, timeoutMs).unref();
    });
  }

  /** Release the waiters of positions delivered so far. */
  release(): void {
    if (!this.waiters.length) return;
    const ready = this.waiters.filter((w) => w.seq <= this.position);
    this.waiters = this.waiters.filter((w) => w.seq > this.position);
    for (const w of ready) w.resolve();
  }
}
