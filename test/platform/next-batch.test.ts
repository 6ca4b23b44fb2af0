/**
 * Batched `next` frames (platform/subscriptions/next-batch.ts), the writing side and
 * the reading side, on the exact messages graphql-ws's server writes.
 */
import { describe, expect, it } from 'vitest';
import { batchNextFrames, expandNextBatch } from '../../platform/subscriptions/next-batch.ts';

const next = (id: string, payload: unknown) => JSON.stringify({ id, type: 'next', payload });
const turn = () => new Promise((r) => setImmediate(r));

function socket(maxIds?: number) {
  const written: string[] = [];
  const batcher = batchNextFrames((data, cb) => {
    written.push(data);
    queueMicrotask(() => cb?.());
  }, maxIds);
  return { written, send: batcher.send, next: batcher.next };
}

describe('batched next frames', () => {
  it('go out as one frame per payload for the subscriptions of one turn, each write callback called once', async () => {
    const { written, send } = socket();
    const calls: string[] = [];
    const hello = { data: { messageAdded: { body: 'hello' } } };
    for (const id of ['1', '2', '3']) send(next(id, hello), () => calls.push(id));
    send(next('4', { data: { messageAdded: { body: 'other' } } }), () => calls.push('4'));
    expect(written).toEqual([]); // held until the end of the turn
    await turn();
    expect(written).toHaveLength(2);
    expect(JSON.parse(written[0])).toEqual({ type: 'next_batch', ids: ['1', '2', '3'], payload: hello });
    expect(written[1]).toBe(next('4', { data: { messageAdded: { body: 'other' } } })); // alone: the plain message
    expect(calls.sort()).toEqual(['1', '2', '3', '4']);
  });

  it('keep order: what was batched goes before any other message', async () => {
    const { written, send } = socket();
    send(next('1', { data: { n: 1 } }));
    send(next('2', { data: { n: 1 } }));
    send(JSON.stringify({ id: '1', type: 'complete' }));
    await turn();
    expect(written.map((w) => JSON.parse(w).type)).toEqual(['next_batch', 'complete']);
  });

  it('send a batch as soon as it holds maxIds subscriptions, so the first ones are not held back', async () => {
    const { written, send } = socket(2);
    for (const id of ['1', '2', '3', '4', '5']) send(next(id, { data: { n: 7 } }));
    expect(written.map((w) => JSON.parse(w).ids)).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    await turn();
    expect(written).toHaveLength(3);
    expect(JSON.parse(written[2])).toEqual({ id: '5', type: 'next', payload: { data: { n: 7 } } });
  });

  it('take one answer for several subscriptions at once (a subscription group), merged with the turn’s other next messages of that payload, with one callback after the last frame', async () => {
    const { written, send, next: nextFor } = socket(3);
    const calls: string[] = [];
    send(next('1', { data: { n: 1 } }), () => calls.push('1'));
    nextFor(['a', 'b', 'c', 'd'], '{"data":{"n":1}}', () => calls.push('group'));
    nextFor(['x'], '{"data":{"n":2}}', () => calls.push('x'));
    nextFor([], '{"data":{"n":3}}', () => calls.push('nobody'));
    expect(written.map((w) => JSON.parse(w).ids)).toEqual([['1', 'a', 'b']]); // full at 3: sent at once
    await turn();
    expect(written.slice(1).map((w) => JSON.parse(w))).toEqual([
      { type: 'next_batch', ids: ['c', 'd'], payload: { data: { n: 1 } } },
      { id: 'x', type: 'next', payload: { data: { n: 2 } } },
    ]);
    expect(calls.sort()).toEqual(['1', 'group', 'nobody', 'x']);
  });

  it('read back as the next messages they stand for, sharing one payload object; anything else is left alone', () => {
    const messages = expandNextBatch(JSON.stringify({ type: 'next_batch', ids: ['a', 'b'], payload: { data: { x: 1 } } }))!;
    expect(messages).toEqual([
      { id: 'a', type: 'next', payload: { data: { x: 1 } } },
      { id: 'b', type: 'next', payload: { data: { x: 1 } } },
    ]);
    expect(messages[0].payload).toBe(messages[1].payload);
    expect(expandNextBatch(next('a', { data: {} }))).toBeUndefined();
    expect(expandNextBatch('{"type":"next_batch","ids":[1],"payload":{}}')).toBeUndefined();
    expect(expandNextBatch('{"type":"next_batch","ids":')).toBeUndefined();
  });
});
