/**
 * Subscription fan-out in a subgraph: what graphql-ws does per subscriber,
 * done once where it gives the same answer.
 *
 * - `documentCache`: each distinct subscription document is parsed once and
 *   validated once (graphql-ws's `parse` and `validate` hooks), not once per
 *   subscribe message. The gateway sends a handful of distinct documents.
 * - `sharedSubscribe` (graphql-ws's `subscribe` hook): graphql-js executes a
 *   subscription's selection once per event per subscriber. Here the
 *   subscribers that receive the same event value (the same object: events
 *   are loaded through per-event DataLoaders, see `perEvent` in live.ts) with
 *   the same document, operation and variables share one execution, as long
 *   as that execution did not read who the subscriber is (`viewer`,
 *   `clientIp` of the context; a read through a Proxy is noticed) and had no
 *   errors. A selection with a per-viewer field (`Message.read`,
 *   `Conversation.unreadCount`) is executed per subscriber, as before.
 *
 * Contexts must therefore carry everything that depends on the subscriber in
 * those fields only: loaders and services are shared by every subscriber of
 * an event already.
 */
import {
  createSourceEventStream,
  execute,
  validate,
  parse,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  type Source,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { LIVE_POSITION, startPositionOf } from './positions.ts';

/** Context fields that say who the subscriber is. */
const IDENTITY_FIELDS = new Set<PropertyKey>(['viewer', 'clientIp']);
/** Documents kept by `documentCache` (least recently used dropped), and the longest kept. */
const MAX_DOCUMENTS = 500;
const MAX_CACHED_QUERY_LENGTH = 4096;

/** `parse` and `validate` for graphql-ws, each at most once per distinct document. */
export function documentCache(): {
  parse: (query: string | Source) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
} {
  const documents = new LRUCache<string, DocumentNode>({ max: MAX_DOCUMENTS });
  const validated = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  return {
    parse(source) {
      if (typeof source !== 'string') return parse(source);
      const query = source;
      let document = documents.get(query);
      if (!document) {
        document = parse(query);
        if (query.length <= MAX_CACHED_QUERY_LENGTH) documents.set(query, document);
      }
      return document;
    },
    validate(schema, document) {
      let errors = validated.get(document);
      if (errors === undefined) validated.set(document, (errors = validate(schema, document)));
      return errors;
    },
  };
}

interface Execution {
  result: ExecutionResult;
  /** Read no identity field and had no errors: good for every subscriber with the same key. */
  shareable: boolean;
}

let nextDocumentId = 0;
const documentIds = new WeakMap<DocumentNode, number>();
function documentId(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
  return id;
}

/** graphql-ws's `subscribe`: graphql-js's, with each event's execution shared where it can be. */
export function sharedSubscribe(): (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  // event value -> execution key -> the first subscriber's execution
  const executions = new WeakMap<object, Map<string, Promise<Execution>>>();
  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const key = `${documentId(args.document)}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}`;
    const own = (event: unknown) => execute({ ...args, rootValue: event });
    return mapEvents(source as AsyncIterableIterator<unknown>, async (event) => {
      if (event === null || typeof event !== 'object') return own(event);
      let forEvent = executions.get(event);
      const first = forEvent?.get(key);
      if (first) {
        const e = await first;
        return e.shareable ? e.result : own(event);
      }
      if (!forEvent) executions.set(event, (forEvent = new Map()));
      const mine = tracked(args, event);
      forEvent.set(key, mine);
      return (await mine).result;
    });
  };
}

/** Executes with a context that notices reads of the subscriber's identity. */
async function tracked(args: ExecutionArgs, event: object): Promise<Execution> {
  let readIdentity = false;
  const context = args.contextValue;
  const contextValue =
    context !== null && typeof context === 'object'
      ? new Proxy(context, {
          get(target, property, receiver) {
            if (IDENTITY_FIELDS.has(property)) readIdentity = true;
            return Reflect.get(target, property, receiver);
          },
          ownKeys(target) {
            readIdentity = true; // spread or copied whole
            return Reflect.ownKeys(target);
          },
        })
      : context;
  const result = await execute({ ...args, contextValue, rootValue: event });
  return { result, shareable: !readIdentity && !result.errors?.length };
}

/** `source` with each value mapped; `return` and `throw` reach the source. */
function mapEvents<T, R>(source: AsyncIterableIterator<T>, map: (value: T) => Promise<R>): AsyncIterableIterator<R> {
  const it: AsyncIterableIterator<R> = {
    async next() {
      const r = await source.next();
      if (r.done) return { value: undefined, done: true };
      try {
        return { value: await map(r.value), done: false };
      } catch (err) {
        await source.return?.().catch(() => {});
        throw err;
      }
    },
    return() {
      return source.return ? source.return().then(() => ({ value: undefined, done: true as const })) : Promise.resolve({ value: undefined, done: true });
    },
    throw(err?: unknown) {
      return source.throw ? source.throw(err).then(() => ({ value: undefined, done: true as const })) : Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  const position = startPositionOf(source);
  if (position !== undefined) Object.assign(it, { [LIVE_POSITION]: position }); // positions.ts
  return it;
}
