/**
 * How a subgraph runs a subscription (platform/subscriptions/subscribe.ts,
 * documents.ts): each on its own, its start position first when asked, the
 * event stream left at once when the client leaves, each distinct document
 * parsed and validated once. Driven with graphql-js on a small schema.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, validate, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DocumentCache } from '../../platform/subscriptions/documents.ts';
import { LIVE_POSITION } from '../../platform/subscriptions/positions.ts';
import { subscribe, withStartPosition } from '../../platform/subscriptions/subscribe.ts';

interface Tick {
  n: number;
  owner: string;
}

function setup() {
  const listeners = new Set<(t: Tick) => void>();
  let left = 0;
  const typeDefs = parse(`
    type Query { ok: Boolean }
    type Subscription { tick: Tick }
    type Tick { n: Int  mine: Boolean }
  `);
  const resolvers = {
    Subscription: {
      tick: {
        subscribe: () => {
          const queue: Tick[] = [];
          let wake: (() => void) | null = null;
          const push = (t: Tick) => {
            queue.push(t);
            wake?.();
          };
          listeners.add(push);
          const it = {
            async next(): Promise<IteratorResult<Tick>> {
              while (!queue.length) {
                if (!listeners.has(push)) return { value: undefined, done: true };
                await new Promise<void>((r) => (wake = r));
              }
              return { value: queue.shift()!, done: false };
            },
            async return(): Promise<IteratorResult<Tick>> {
              if (listeners.delete(push)) left++;
              wake?.();
              return { value: undefined, done: true };
            },
            [Symbol.asyncIterator]: () => it,
            [LIVE_POSITION]: 41,
          };
          return it;
        },
        resolve: (t: Tick) => t,
      },
    },
    Tick: {
      mine: (t: Tick, _: unknown, ctx: { viewer: string }) => t.owner === ctx.viewer,
    },
  };
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
  const open = async (viewer: string) =>
    (await subscribe({ schema, document: parse('subscription { tick { n mine } }'), contextValue: { viewer } })) as AsyncIterableIterator<ExecutionResult>;
  const emit = (t: Tick) => listeners.forEach((l) => l(t));
  return { open, emit, listeners, left: () => left };
}

describe('a subscription in a subgraph', () => {
  it('answers each subscriber with its own execution, even for one event object', async () => {
    const { open, emit } = setup();
    const a = await open('a');
    const b = await open('b');
    emit({ n: 1, owner: 'a' });
    expect((await a.next()).value).toEqual({ data: { tick: { n: 1, mine: true } } });
    expect((await b.next()).value).toEqual({ data: { tick: { n: 1, mine: false } } });
    await a.return!();
    await b.return!();
  });

  it('leaves its event source at once when the client leaves while it waits for an event', async () => {
    const { open, listeners, left } = setup();
    const a = await open('a');
    const pending = a.next();
    await new Promise((r) => setTimeout(r, 10));
    await a.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(listeners.size).toBe(0);
    expect(left()).toBe(1);
  });

  it('leaves its event source when the client leaves before it asked for a first event', async () => {
    const { open, listeners, left } = setup();
    const a = await open('a');
    const b = withStartPosition(await open('b')) as AsyncIterableIterator<ExecutionResult>;
    expect(listeners.size).toBe(2);
    await a.return!();
    await b.return!();
    await new Promise((r) => setTimeout(r, 10));
    expect(listeners.size).toBe(0);
    expect(left()).toBe(2);
  });

  it('tells where it starts before its first event, when asked', async () => {
    const { open, emit } = setup();
    const results = withStartPosition(await open('a')) as AsyncIterableIterator<ExecutionResult>;
    expect((await results.next()).value).toEqual({ extensions: { position: '41' } });
    emit({ n: 2, owner: 'a' });
    expect((await results.next()).value).toEqual({ data: { tick: { n: 2, mine: true } } });
    await results.return!();
  });
});

describe('subscription documents', () => {
  it('are parsed and validated once per distinct text', () => {
    let parsed = 0;
    let validated = 0;
    const schema = buildSubgraphSchema({ typeDefs: parse('type Query { ok: Boolean }') });
    const documents = new DocumentCache({
      parse: (q) => (parsed++, parse(q)),
      validate: (d) => (validated++, validate(schema, d)),
    });
    const a = documents.get('{ ok }');
    expect(documents.get('{ ok }')).toBe(a);
    expect(a.errors).toEqual([]);
    expect(documents.get('{ nope }').errors).toHaveLength(1);
    expect([parsed, validated]).toEqual([2, 2]);
    expect(() => documents.get('subscription {')).toThrow(/Syntax Error/);
  });
});
