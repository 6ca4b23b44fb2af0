/**
 * Live listeners and waiters of one bus, whichever carries the events: the
 * bus hands each event it tails to `deliver`, in order, once.
 *
 * A listener may name its topics: it is then handed only those, and the bus
 * can tell from `wants` whether anyone in this process cares about a commit's
 * topics at all (pg-bus.ts reads the log only then). A listener is never
 * handed an event at or before its `since`, the position it was added at.
 */
import type { Logger } from '../log.ts';
import type { BusEvent } from './types.ts';

type Listener = (e: BusEvent) => void;

interface Entry {
  fn: Listener;
  /** Its topics; every topic without. */
  topics: ReadonlySet<string> | undefined;
  /** Events at or before this position came before the listener. */
  since: number;
}

export class Listeners {
  /** Live listeners of every event. */
  private all = new Set<Entry>();
  /** Live listeners of one audience member's events: an event wakes only its audience's. */
  private byAudience = new Map<string, Set<Entry>>();
  /** Listeners by topic named, and those of every topic (`anyTopic`): what `wants` answers from. */
  private byTopic = new Map<string, number>();
  private anyTopic = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];
  /** Highest position delivered. */
  position = 0;

  constructor(
    private readonly log?: Logger,
    /** Asked to read what is new when someone waits for a position not yet seen. */
    private readonly poke: () => void = () => {},
  ) {}

  /** Adds a listener (of `topics` only, when given) that is handed the events after `since`. */
  add(listener: Listener, audience?: string, topics?: readonly string[], since = this.position): () => void {
    const entry: Entry = { fn: listener, topics: topics ? new Set(topics) : undefined, since };
    this.count(entry, 1);
    let removed = false;
    const counted = () => {
      if (!removed) this.count(entry, -1);
      removed = true;
    };
    if (audience === undefined) {
      this.all.add(entry);
      return () => {
        this.all.delete(entry);
        counted();
      };
    }
    let set = this.byAudience.get(audience);
    if (!set) this.byAudience.set(audience, (set = new Set()));
    set.add(entry);
    const mine = set;
    return () => {
      mine.delete(entry);
      if (mine.size === 0 && this.byAudience.get(audience) === mine) this.byAudience.delete(audience);
      counted();
    };
  }

  private count(entry: Entry, delta: 1 | -1): void {
    if (!entry.topics) this.anyTopic += delta;
    else
      for (const t of entry.topics) {
        const n = (this.byTopic.get(t) ?? 0) + delta;
        if (n > 0) this.byTopic.set(t, n);
        else this.byTopic.delete(t);
      }
  }

  /** Whether a listener or a waiter of this process needs events of these topics read. */
  wants(topics: Iterable<string>): boolean {
    if (this.anyTopic > 0 || this.waiters.length > 0) return true;
    for (const t of topics) if (this.byTopic.has(t)) return true;
    return false;
  }

  /** Hands `e` to the listeners of every event and to those of each of its audience. */
  deliver(e: BusEvent): void {
    this.position = e.seq;
    const call = (l: Entry) => {
      if (e.seq <= l.since || (l.topics && !l.topics.has(e.topic))) return;
      try {
        l.fn(e);
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
