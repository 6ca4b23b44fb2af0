/**
 * What a subgraph is, declared in one place (`subgraphs/<name>/subgraph.ts`):
 * its schema, resolvers, per-request context, internal operations, event
 * consumers, background jobs and demo data. The runtime
 * (`subgraphs/runtime.ts`) does the rest the same way for every subgraph:
 * database and migrations, server, consumers, jobs, shutdown.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import type { AuthVerifier, TokenSigner } from './auth.ts';
import type { Clock } from './clock.ts';
import type { Config, SubgraphName } from './config.ts';
import type { RequestContext } from './context.ts';
import type { Database } from './db.ts';
import type { EventBus, Handler } from './events/bus.ts';
import type { InternalClient, InternalRoutes } from './internal.ts';
import type { Job } from './jobs.ts';
import type { Logger } from './log.ts';

/** Everything a subgraph's factory receives. */
export interface SubgraphDeps {
  name: SubgraphName;
  config: Config;
  db: Database;
  bus: EventBus;
  verifier: AuthVerifier;
  signer: TokenSigner;
  internal: InternalClient;
  clock: Clock;
  log: Logger;
}

/** A durable event consumer: its position is kept in the subgraph's database; `handle` runs in that transaction. */
export interface Consumer {
  /** Unique across the system (its position row), e.g. `messaging.order-updates`. */
  name: string;
  topics: string[];
  handle: Handler;
}

export interface SubgraphDefinition<Ctx extends RequestContext = RequestContext> {
  typeDefs: DocumentNode;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resolvers: GraphQLResolverMap<any>;
  /** Adds per-request state (DataLoaders, services) to the request context. */
  context(base: RequestContext): Ctx;
  /** Service-to-service operations (`internal.ts`), served at `POST /internal/<name>`. */
  internal?: InternalRoutes;
  /** Event consumers (`events.ts`), started once the server listens. */
  consumers?: Consumer[];
  /** Background jobs (deadlines, sweepers, housekeeping), started once the server listens. */
  jobs?: Job[];
  /** Demo data for an empty database (never in production). */
  seed?(): Promise<void>;
  /** `GET /metrics` (behind the subgraph secret): the subgraph's own numbers in the Prometheus text format. */
  metrics?(): Promise<{ contentType: string; text: string }>;
  /** Anything else to do once listening (after consumers and jobs start). */
  start?(): Promise<void>;
  /** Called first on shutdown (before jobs and consumers stop). */
  stop?(): Promise<void>;
}

export type SubgraphFactory = (deps: SubgraphDeps) => Promise<SubgraphDefinition<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
