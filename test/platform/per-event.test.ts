/**
 * Values per event (platform/subscriptions/live.ts): what lets the subscribers of one
 * event share its reads and, in a subgraph, its execution (fanout.ts).
 */
import { describe, expect, it } from 'vitest';
import { oncePerEvent, perEvent } from '../../platform/subscriptions/live.ts';

describe('values per event', () => {
  it('give every subscriber of one event the same loaders, and another event its own', () => {
    let created = 0;
    const loadersFor = perEvent(() => ({ n: ++created }));
    expect(loadersFor(7)).toBe(loadersFor(7));
    expect(loadersFor(8)).not.toBe(loadersFor(7));
    expect(created).toBe(2);
  });

  it('build a value once for every subscriber of an event, even while the first build is still running', async () => {
    let builds = 0;
    const loadersFor = perEvent(() => ({}));
    const value = oncePerEvent<object, { seq: number }>();
    const build = (seq: number) => () => new Promise<{ seq: number }>((r) => setTimeout(() => r({ seq: (builds++, seq) }), 5));
    const [a, b] = await Promise.all([value(loadersFor(1), build(1)), value(loadersFor(1), build(1))]);
    const c = await value(loadersFor(2), build(2));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect([a.seq, c.seq, builds]).toEqual([1, 2, 2]);
  });

  it('build afresh after a failed build, so a retried read is not answered with the old failure', async () => {
    const value = oncePerEvent<object, string>();
    const key = {};
    await expect(value(key, () => Promise.reject(new Error('connection lost')))).rejects.toThrow('connection lost');
    await Promise.resolve(); // the failure is forgotten once it has settled
    await expect(value(key, async () => 'read')).resolves.toBe('read');
    await expect(value(key, async () => 'read again')).resolves.toBe('read');
  });
});
