/**
 * The JetStream side of the NATS bus: one connection, one stream holding
 * every event (subjects `<stream>.<topic>`, one subject per topic, so order
 * per subject is the stream's order), publishing with the event's id as the
 * message id (JetStream drops a second copy within the de-duplication window),
 * and reading from a position with short-lived consumers.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../log.ts';
import type { BusEvent, ReadOptions } from './types.ts';

export interface JetStreamSettings {
  /** Server URL(s), comma-separated (a cluster's members). */
  url: string;
  /** Stream name; subjects are `<stream>.<topic>`. */
  stream: string;
  /** Copies of the stream in a cluster (1 on a single server). */
  replicas: number;
}

/** How long JetStream remembers a message id: a relay republishing within it is dropped as a duplicate. */
export const DUPLICATE_WINDOW_MS = 120_000;

/** What the relay publishes: the outbox row. */
export interface OutboxEvent {
  topic: string;
  payload: Record<string, unknown>;
  audience: string[];
  createdAt: Date;
}

export class EventStream {
  private readonly reconnectHooks = new Set<() => void>();

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly settings: JetStreamSettings,
  ) {}

  static async open(settings: JetStreamSettings, log?: Logger): Promise<EventStream> {
    const nc = await connect({
      servers: settings.url.split(',').map((s) => s.trim()),
      name: `marketplace-${settings.stream}`,
      maxReconnectAttempts: -1, // keep trying: the relay and the tail resume when the server is back
      reconnectTimeWait: 250,
    });
    void (async () => {
      for await (const s of nc.status())
        if (s.type === 'disconnect' || s.type === 'reconnect') log?.warn(`nats ${s.type}`, { server: String((s as { server?: unknown }).server ?? '') });
    })().catch(() => {});
    try {
      const jsm = await jetstreamManager(nc);
      const stream = new EventStream(nc, jetstream(nc), jsm, settings);
      await stream.ensure();
      return stream;
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }

  /** Create the stream when it does not exist (several instances may race: the same config is accepted twice). */
  private async ensure(): Promise<void> {
    const { stream, replicas } = this.settings;
    try {
      await this.jsm.streams.info(stream);
    } catch {
      await this.jsm.streams.add({ name: stream, subjects: [`${stream}.>`], num_replicas: replicas, duplicate_window: DUPLICATE_WINDOW_MS * 1e6 });
    }
  }

  /** Called after each reconnection (a restarted server has lost in-memory consumers). */
  onReconnect(hook: () => void): () => void {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  }

  subject(topic: string): string {
    return `${this.settings.stream}.${topic}`;
  }

  /** Publish one event; resolves with its stream sequence (the first copy's, for a duplicate). */
  async publish(e: OutboxEvent, msgID: string): Promise<number> {
    const body = JSON.stringify({ topic: e.topic, payload: e.payload, audience: e.audience, createdAt: e.createdAt.toISOString() });
    const ack = await this.js.publish(this.subject(e.topic), body, { msgID, timeout: 5000 });
    return ack.seq;
  }

  /** The stream's newest sequence (0 when empty). */
  async head(): Promise<number> {
    return (await this.jsm.streams.info(this.settings.stream)).state.last_seq;
  }

  /** The subject a reader of `topics` filters on: one topic exactly, several via the stream's wildcard (and a filter here). */
  filterFor(topics?: string[]): string {
    return topics?.length === 1 ? this.subject(topics[0]) : `${this.settings.stream}.>`;
  }

  /**
   * Events after sequence `after` (or created from `since`), oldest first,
   * of `topics` and for `audience` when given, at most `limit` (all without).
   */
  async read(opts: ReadOptions & { after?: number; since?: Date }): Promise<BusEvent[]> {
    const { stream } = this.settings;
    const start =
      opts.since !== undefined
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: opts.since.toISOString() }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: (opts.after ?? 0) + 1 };
    const info = await this.jsm.consumers.add(stream, {
      ...start,
      ack_policy: AckPolicy.None,
      filter_subject: this.filterFor(opts.topics),
      mem_storage: true,
      inactive_threshold: 30e9, // gone by itself if this reader dies
    });
    const limit = opts.limit ?? Infinity;
    const topics = opts.topics?.length ? new Set(opts.topics) : undefined;
    const out: BusEvent[] = [];
    try {
      const consumer = await this.js.consumers.get(stream, info.name);
      let pending = info.num_pending;
      while (pending > 0 && out.length < limit) {
        const batch = await consumer.fetch({ max_messages: Math.min(pending, 500), expires: 5000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          const e = decode(m);
          if ((!topics || topics.has(e.topic)) && (!opts.audience || e.audience.includes(opts.audience))) out.push(e);
        }
        // the consumer counted them at its creation: a read that stops short would be a gap for its caller
        if (got === 0) throw new Error(`reading the JetStream stream stalled with ${pending} events still to come`);
        pending -= got;
      }
    } finally {
      await this.jsm.consumers.delete(stream, info.name).catch(() => {});
    }
    return out.length > limit ? out.slice(0, limit) : out;
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

export function decode(m: JsMsg): BusEvent {
  const body = m.json<{ topic: string; payload: Record<string, unknown>; audience: string[]; createdAt: string }>();
  return { seq: m.seq, topic: body.topic, payload: body.payload, audience: body.audience ?? [], createdAt: new Date(body.createdAt) };
}
