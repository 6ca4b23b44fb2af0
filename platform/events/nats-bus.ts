/**
 * The event bus on NATS JetStream (`EVENT_BUS=nats`), for when one
 * PostgreSQL is not enough (docs/operations.md, "The event bus").
 *
 * - The outbox stays the record of what committed: `publish` writes into the
 *   publishing subgraph's database in its transaction, without a lock;
 *   a relay per database (nats-relay.ts) publishes it to the stream.
 * - Live listeners follow the stream with an ordered consumer from the
 *   position at start; positions are stream sequences.
 * - Durable consumers (consumers.ts) keep their position in their own
 *   database, as on PostgreSQL, and read the stream from there.
 */
import { sql } from 'drizzle-orm';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Database } from '../db.ts';
import { queryRows } from '../db.ts';
import { Consumers } from './consumers.ts';
import { decode, EventStream, type JetStreamSettings } from './jetstream.ts';
import { Listeners } from './listeners.ts';
import { JetStreamRelay } from './nats-relay.ts';
import { countBus } from './outbox.ts';
import type { BusEvent, EventBus, EventBusOptions, Handler, ReadOptions } from './types.ts';

export class NatsEventBus implements EventBus {
  readonly kind = 'nats' as const;
  private stream?: EventStream;
  private readonly listeners: Listeners;
  private readonly consumers: Consumers;
  private readonly relays = new Map<string, { relay: JetStreamRelay; users: number }>();
  private tail?: ConsumerMessages;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private wakeTopics = new Set<string>();
  private wakeScheduled = false;

  constructor(
    private readonly settings: JetStreamSettings,
    private readonly opts: EventBusOptions & { relayPollIntervalMs?: number } = {},
  ) {
    this.listeners = new Listeners(opts.log);
    this.consumers = new Consumers((c, _tx, from, limit) => this.js.read({ after: from, topics: c.topics, limit }), opts.batchSize ?? 200, opts.log);
  }

  private get js(): EventStream {
    if (!this.stream) throw new Error('the NATS event bus is not started');
    return this.stream;
  }

  async start(): Promise<void> {
    this.stream = await EventStream.open(this.settings, this.opts.log);
    countBus('nats', 1);
    this.listeners.position = await this.stream.head();
    // a restarted server forgot the tail's consumer: follow again from the position
    this.stream.onReconnect(() => void this.tail?.close().catch(() => {}));
    void this.follow();
    // the safety net: consumers that may have work (consumers.ts `poll`); the tail wakes the others
    this.timer = setInterval(() => this.consumers.poll(new Set()), this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Follow the stream from the position on; if the ordered consumer ends (it survives reconnects), open another. */
  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.js.js.consumers.get(this.settings.stream, {
          filter_subjects: this.js.filterFor(),
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.listeners.position + 1,
        });
        // heartbeats every 2.5 s: a consumer gone silent is noticed and made again
        this.tail = await consumer.consume({ max_messages: 1000, expires: 5000 });
        if (this.stopped) await this.tail.close();
        for await (const m of this.tail) {
          const e = decode(m);
          if (e.seq <= this.listeners.position) continue;
          this.listeners.deliver(e);
          this.listeners.release();
          this.wakeConsumers(e.topic);
        }
      } catch (err) {
        if (!this.stopped) this.opts.log?.warn('following the JetStream stream failed; again shortly', { err });
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Run the consumers of the topics just seen, once per turn of the event loop. */
  private wakeConsumers(topic: string): void {
    this.wakeTopics.add(topic);
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      const topics = this.wakeTopics;
      this.wakeTopics = new Set();
      this.wakeScheduled = false;
      this.consumers.wake(topics);
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = this.consumers.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const { relay } of this.relays.values()) await relay.stop();
    this.relays.clear();
    await this.tail?.close().catch(() => {});
    for (let i = 0; i < 100 && this.consumers.busy; i++) await new Promise((r) => setTimeout(r, 20));
    if (this.stream) countBus('nats', -1);
    await this.stream?.close();
  }

  get position(): number {
    return this.listeners.position;
  }

  onEvent(listener: (e: BusEvent) => void, audience?: string, topics?: readonly string[]): () => void {
    return this.listeners.add(listener, audience, topics);
  }

  /** Waits until live listeners have applied the last of `seqs` (numbers of `db`'s outbox: see `positions`). */
  async settled(db: Database, origin: string, seqs: number[], timeoutMs = 5000): Promise<void> {
    if (!seqs.length) return;
    const giveUpAt = Date.now() + timeoutMs;
    const [last] = await this.positions(db, origin, [Math.max(...seqs)], timeoutMs);
    return this.waitFor(last, Math.max(giveUpAt - Date.now(), 0));
  }

  /**
   * `seqs` are numbers of `db`'s outbox; their positions are the stream
   * sequences the relay recorded (`stream_seq`), once it has published them.
   * A row that was never to be relayed (written before the switch to
   * JetStream) comes before the whole stream: 0.
   */
  async positions(db: Database, _origin: string, seqs: number[], timeoutMs = 5000): Promise<number[]> {
    if (!seqs.length) return [];
    const found = new Map<number, number>();
    const giveUpAt = Date.now() + timeoutMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      const seen = this.position;
      const missing = [...new Set(seqs)].filter((s) => !found.has(s));
      const rows = await queryRows<{ seq: string; stream_seq: string | null; relay_pending: boolean }>(
        db.drizzle,
        sql`select seq, stream_seq, relay_pending from events.log where seq = any(${`{${missing.join(',')}}`}::bigint[])`,
      );
      const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
      for (const s of missing) {
        const r = bySeq.get(s);
        if (r?.stream_seq != null) found.set(s, Number(r.stream_seq));
        else if (!r?.relay_pending) found.set(s, 0); // no such row, or never to be relayed
      }
      const left = giveUpAt - Date.now();
      if (missing.every((s) => found.has(s)) || left <= 0) return seqs.map((s) => found.get(s) ?? seen);
      void this.relays.get(db.key)?.relay.pump(); // committed since the publish woke it, maybe
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    }
  }

  waitFor(seq: number, timeoutMs = 5000): Promise<void> {
    return this.listeners.waitFor(seq, timeoutMs);
  }

  /** One relay per database in this process, however many subgraphs share it. */
  async attach(db: Database): Promise<() => Promise<void>> {
    let entry = this.relays.get(db.key);
    if (!entry) {
      const relay = new JetStreamRelay(db, this.js, { pollIntervalMs: this.opts.relayPollIntervalMs, log: this.opts.log });
      this.relays.set(db.key, (entry = { relay, users: 0 }));
      await relay.start();
    }
    entry.users++;
    const mine = entry;
    let detached = false;
    return async () => {
      if (detached) return;
      detached = true;
      if (--mine.users > 0 || this.relays.get(db.key) !== mine) return;
      this.relays.delete(db.key);
      await mine.relay.stop();
    };
  }

  consume(name: string, topics: string[], db: Database, handler: Handler): void {
    this.consumers.add(name, topics, db, handler);
  }

  removeConsumers(db: Database): Promise<void> {
    return this.consumers.remove(db);
  }

  head(): Promise<number> {
    return this.js.head();
  }

  async history(topics: string[], since: Date, always: string[] = []): Promise<BusEvent[]> {
    if (!topics.length) return [];
    const recent = await this.js.read({ since, topics });
    const old = always.length ? await this.js.read({ after: 0, topics: always }) : [];
    const bySeq = new Map([...old, ...recent].map((e) => [e.seq, e]));
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  readAfter(after: number, opts: ReadOptions = {}): Promise<BusEvent[]> {
    return this.js.read({ ...opts, after, limit: opts.limit ?? this.opts.batchSize ?? 200 });
  }
}
