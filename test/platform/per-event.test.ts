/**
 * Values per event (platform/subscriptions/live.ts `perEvent`): a
 * subscription's loaders, fresh for each event it delivers, the same for
 * every read of that event, and never another subscription's.
 */
import { describe, expect, it } from 'vitest';
import { perEvent } from '../../platform/subscriptions/live.ts';

describe('a subscription’s values per event', () => {
  it('are the same for every read of one event, and new for the next event', () => {
    let created = 0;
    const loadersFor = perEvent(() => ({ n: ++created }));
    expect(loadersFor(7)).toBe(loadersFor(7));
    expect(loadersFor(8)).not.toBe(loadersFor(7));
    expect(created).toBe(3);
  });

  it('are never another subscription’s, even for the same event', () => {
    const create = (viewer: string) => () => ({ viewer });
    const mine = perEvent(create('a'));
    const theirs = perEvent(create('b'));
    expect(mine(5)).not.toBe(theirs(5));
    expect([mine(5).viewer, theirs(5).viewer]).toEqual(['a', 'b']);
  });
});
