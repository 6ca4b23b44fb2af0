/**
 * The event bus: what subgraphs publish (`publish`, in their own transaction)
 * and what consumers, subscriptions and the token verifier read (`EventBus`),
 * carried by PostgreSQL (the default) or NATS JetStream (`EVENT_BUS=nats`),
 * chosen here from the configuration; nothing else names an implementation.
 *
 * - outbox.ts: `publish`, the transactional outbox both buses start from
 * - pg-bus.ts, relay.ts: the PostgreSQL bus, and its relay for subgraph databases of their own
 * - nats-bus.ts, nats-relay.ts, jetstream.ts: the JetStream bus, its relay and the stream
 * - listeners.ts, consumers.ts: live listeners and durable consumers, the same on both
 */
import type { Config } from '../config.ts';
import { ConfigError } from '../env.ts';
import type { Database } from '../db.ts';
import { NatsEventBus } from './nats-bus.ts';
import { PgEventBus } from './pg-bus.ts';
import type { EventBus, EventBusOptions } from './types.ts';

export { publish } from './outbox.ts';
export type { BusEvent, EventBus, EventBusOptions, Handler, NewEvent, ReadOptions } from './types.ts';
export { PgEventBus } from './pg-bus.ts';
export { NatsEventBus } from './nats-bus.ts';

/**
 * The bus the configuration names, not yet started. `db` is the event log's
 * database (`EVENTS_DATABASE_URL`/`DATABASE_URL`, or the embedded one): the
 * PostgreSQL bus needs it; the JetStream bus reads none (its relays use the
 * databases attached to it).
 */
export function createEventBus(config: Pick<Config, 'eventBus' | 'nats'>, db: Database | undefined, opts: EventBusOptions = {}): EventBus {
  if (config.eventBus === 'nats') return new NatsEventBus(config.nats, opts);
  if (!db) throw new ConfigError('the PostgreSQL event bus needs a database (EVENTS_DATABASE_URL or DATABASE_URL)');
  return new PgEventBus(db, opts);
}
