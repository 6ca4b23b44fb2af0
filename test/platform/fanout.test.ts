/**
 * A subgraph's subscription fan-out (platform/subscriptions/fanout.ts): subscribers of
 * one event share its execution when the answer cannot differ between them,
 * and never otherwise. Driven with graphql-js subscriptions on a small schema
 * whose resolvers count how often they run.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentCache, sharedSubscribe } from '../../platform/subscriptions/fanout.ts';

interface Tick {
  n: number;
  owner: string;
}

function setup() {
  const runs = { n: 0, mine: 0, late: 0 };
  const listeners = new Set<(t: Tick) => void>();
  const typeDefs = parse(`
    type Query { ok: Boolean }
    type Subscription { tick(label: String): Tick }
    type Tick { n: Int  mine: Boolean  late: Int  broken: Int }
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
          const it: AsyncIterableIterator<Tick> = {
            async next() {
              while (!queue.length) await new Promise<void>((r) => (wake = r));
              return { value: queue.shift()!, done: false };
            },
            async return() {
              listeners.delete(push);
              return { value: undefined, done: true };
            },
            [Symbol.asyncIterator]: () => it,
          };
          return it;
        },
        resolve: (t: Tick) => t,
      },
    },
    Tick: {
      n: (t: Tick) => (runs.n++, t.n),
      mine: (t: Tick, _: unknown, ctx: { viewer: string }) => (runs.mine++, t.owner === ctx.viewer),
      late: async (t: Tick) => {
        await new Promise((r) => setTimeout(r, 20));
        runs.late++;
        return t.n;
      },
      broken: () => {
        throw new Error('no');
      },
    },
  };
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
  const subscribe = sharedSubscribe();
  const documents = documentCache();
  const open = async (query: string, viewer: string, variableValues: Record<string, unknown> = {}) => {
    const stream = (await subscribe({
      schema,
      document: documents.parse(query),
      contextValue: { viewer, service: {} },
      variableValues,
    })) as AsyncIterableIterator<ExecutionResult>;
    return { next: async () => (await stream.next()).value as ExecutionResult, close: () => stream.return!() };
  };
  /** One event value, the same object for every subscriber (as per-event DataLoaders give). */
  const emit = (t: Tick) => listeners.forEach((l) => l(t));
  return { runs, open, emit, listeners };
}

describe('subscribers of one event in a subgraph', () => {
  it('share one execution when they have the same document and variables and it reads nothing of who they are', async () => {
    const { runs, open, emit } = setup();
    const subs = await Promise.all(['a', 'b', 'c'].map((v) => open('subscription { tick { n } }', v)));
    emit({ n: 1, owner: 'a' });
    emit({ n: 2, owner: 'b' });
    for (const s of subs) {
      expect(await s.next()).toEqual({ data: { tick: { n: 1 } } });
      expect(await s.next()).toEqual({ data: { tick: { n: 2 } } });
    }
    expect(runs.n).toBe(2);
  });

  it('each get their own execution and answer when the selection reads the viewer', async () => {
    const { runs, open, emit } = setup();
    const subs = await Promise.all(['a', 'b', 'c'].map((v) => open('subscription { tick { n mine } }', v)));
    emit({ n: 1, owner: 'b' });
    expect(await Promise.all(subs.map((s) => s.next()))).toEqual([
      { data: { tick: { n: 1, mine: false } } },
      { data: { tick: { n: 1, mine: true } } },
      { data: { tick: { n: 1, mine: false } } },
    ]);
    expect(runs.mine).toBe(3);
    expect(runs.n).toBe(3);
  });

  it('do not share across documents or variables', async () => {
    const { runs, open, emit } = setup();
    const subs = [
      await open('subscription($l: String) { tick(label: $l) { n } }', 'a', { l: 'x' }),
      await open('subscription($l: String) { tick(label: $l) { n } }', 'b', { l: 'y' }),
      await open('subscription { tick { n late } }', 'c'),
    ];
    emit({ n: 7, owner: 'a' });
    const got = await Promise.all(subs.map((s) => s.next()));
    expect(got[0]).toEqual({ data: { tick: { n: 7 } } });
    expect(got[1]).toEqual({ data: { tick: { n: 7 } } });
    expect(got[2]).toEqual({ data: { tick: { n: 7, late: 7 } } });
    expect(runs.n).toBe(3);
  });

  it('that arrive while the first one’s execution is still running wait for it and share it', async () => {
    const { runs, open, emit } = setup();
    const subs = await Promise.all(['a', 'b', 'c', 'd'].map((v) => open('subscription { tick { late } }', v)));
    emit({ n: 3, owner: 'a' });
    for (const s of subs) expect(await s.next()).toEqual({ data: { tick: { late: 3 } } });
    expect(runs.late).toBe(1);
  });

  it('never share an answer with errors', async () => {
    const { runs, open, emit } = setup();
    const subs = await Promise.all(['a', 'b'].map((v) => open('subscription { tick { n broken } }', v)));
    emit({ n: 4, owner: 'a' });
    for (const s of subs) {
      const r = await s.next();
      expect(r.data).toEqual({ tick: { n: 4, broken: null } });
      expect(r.errors?.map((e) => e.message)).toEqual(['no']);
    }
    expect(runs.n).toBe(2);
  });

  it('leave the event source when they unsubscribe', async () => {
    const { open, listeners } = setup();
    const s = await open('subscription { tick { n } }', 'a');
    expect(listeners.size).toBe(1);
    await s.close();
    expect(listeners.size).toBe(0);
  });
});

describe('the subgraph’s subscription documents', () => {
  it('are parsed and validated once per distinct text', () => {
    const { parse: cachedParse } = documentCache();
    const a = cachedParse('subscription { tick { n } }');
    expect(cachedParse('subscription { tick { n } }')).toBe(a);
    expect(cachedParse('subscription { tick { mine } }')).not.toBe(a);
    expect(() => cachedParse('subscription {')).toThrow(/Syntax Error/);
  });
});
