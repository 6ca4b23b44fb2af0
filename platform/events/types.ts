/**
 * What the event bus is, whichever carries it (docs/operations.md, "The event
 * bus"): PostgreSQL (`pg-bus.ts`, the default) or NATS JetStream
 * (`nats-bus.ts`, `EVENT_BUS=nats`). Subgraphs see only this and `publish`.
 */
import type { Database, Tx } from '../db.ts';

export interface NewEvent {
  topic: string;
  payload: Record<string, unknown>;
  /** User ids to whom this event is addressed (subscriptions). */
  audience?: string[];
}

export interface BusEvent<P = Record<string, unknown>> {
  /**
   * The event's position in the bus's log: `events.log.seq` of the shared
   * database (PostgreSQL), the stream sequence (JetStream). Increasing; clients
   * see it only inside opaque cursors.
   */
  seq: number;
  topic: string;
  payload: P;
  audience: string[];
  createdAt: Date;
}

export type Handler = (tx: Tx, event: BusEvent) => Promise<void>;

export interface EventBusOptions {
  pollIntervalMs?: number;
  log?: import('../log.ts').Logger;
  /** Events per batch, for tailing and for consumers (default 200). */
  batchSize?: number;
}

export interface ReadOptions {
  topics?: string[];
  audience?: string;
  limit?: number;
}

export interface EventBus {
  readonly kind: 'postgres' | 'nats';
  /** Start tailing from the current end of the log. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Where a listener added now starts: the highest position delivered to live
   * listeners, or passed over because no listener of this process wanted it.
   */
  readonly position: number;
  /**
   * Every event published after it was added (after `position`), once, in
   * order; with `audience`, only the events whose audience includes it; with
   * `topics`, only events of those topics (and the bus need not read the log
   * for a commit whose topics no listener names). Returns an unsubscribe.
   */
  onEvent(listener: (e: BusEvent) => void, audience?: string, topics?: readonly string[]): () => void;
  /**
   * After publishing (`publish` returned `seqs`) in `db` (the database of
   * subgraph `origin`), wait until this process's live listeners have applied
   * those events, or `timeoutMs` passed.
   */
  settled(db: Database, origin: string, seqs: number[], timeoutMs?: number): Promise<void>;
  /**
   * The positions on this bus of events `publish` wrote into `db` (subgraph
   * `origin`'s database) as `seqs`, in the same order: the same numbers where
   * `db` holds the log, else the numbers the relay gave them, waiting up to
   * `timeoutMs` for it. An event still not relayed then gets the position
   * live listeners had reached, which is before it: resuming after that
   * misses nothing (it may repeat a little).
   */
  positions(db: Database, origin: string, seqs: number[], timeoutMs?: number): Promise<number[]>;
  /** Resolves once live listeners have seen position `seq` (or later), or after `timeoutMs`. */
  waitFor(seq: number, timeoutMs?: number): Promise<void>;
  /**
   * Make what `publish` writes into `db` (subgraph `origin`'s database) reach
   * the bus: a relay where that database is not the log itself. Returns its stop.
   */
  attach(db: Database, origin: string): Promise<() => Promise<void>>;
  /**
   * A durable consumer: `db` is the consumer's own database; its position and
   * the handler's writes commit together there, so each event is handled
   * exactly once per name, across restarts and instances.
   */
  consume(name: string, topics: string[], db: Database, handler: Handler): void;
  /** Stop and forget the consumers registered for `db` (its subgraph is stopping). */
  removeConsumers(db: Database): Promise<void>;
  /** The newest event's position (0 when empty): how far behind `position` is. */
  head(): Promise<number>;
  /**
   * Events of `topics`, oldest first: those created after `since`, and every
   * one of `always` whatever its age.
   */
  history(topics: string[], since: Date, always?: string[]): Promise<BusEvent[]>;
  /** Events after position `after`, oldest first, optionally of some topics / for one audience member. */
  readAfter(after: number, opts?: ReadOptions): Promise<BusEvent[]>;
}
