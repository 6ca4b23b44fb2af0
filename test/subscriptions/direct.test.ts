/**
 * Subscription events that need nothing from another subgraph skip the
 * query-plan executor (planner.ts `direct`, execute.ts). What the client sees
 * must be exactly what the executor would have made of the same event.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { executeEvent } from '../../gateway/subscriptions/execute.ts';
import { parse } from '../../gateway/subscriptions/graphql.ts';
import { SubscriptionPlanner } from '../../gateway/subscriptions/planner.ts';
import { SUPERGRAPH_FILE } from '../../gateway/server.ts';

const planner = new SubscriptionPlanner(fs.readFileSync(SUPERGRAPH_FILE, 'utf8'));
const ctx = { viewer: null, requestId: 'test' };

const cases: { query: string; variables?: Record<string, unknown>; direct: boolean; event: Record<string, unknown> }[] = [
  {
    query: 'subscription { messageAdded { id body } }',
    direct: true,
    event: { messageAdded: { id: 'm1', body: 'hello', gwCursor_: '7' } },
  },
  {
    query: 'subscription Inbox($after: String) { inbox: messageAdded(after: $after) { cursor text: body senderRole } }',
    variables: { after: '3' },
    direct: true,
    event: { inbox: { cursor: '7', text: 'hello', senderRole: 'BUYER', gwCursor_: '7' } },
  },
  {
    query: 'subscription($withBody: Boolean!) { messageAdded { id body @include(if: $withBody) } }',
    variables: { withBody: false },
    direct: true,
    event: { messageAdded: { id: 'm1', gwCursor_: '7' } },
  },
  {
    query: 'subscription { messageAdded { ...M } } fragment M on Message { id body }',
    direct: false,
    event: { messageAdded: { id: 'm1', body: 'hello', gwCursor_: '7' } },
  },
];

describe('subscription events without fetches elsewhere', () => {
  for (const c of cases) {
    it(`${c.direct ? 'skip' : 'use'} the executor for ${c.query}, with the same result`, async () => {
      const plan = planner.plan(parse(c.query), undefined, c.variables ?? {});
      expect(plan.direct).toBe(c.direct);
      const fast = await executeEvent(planner, {}, plan, structuredClone(c.event), ctx, c.variables ?? {}, c.query);
      const slow = await executeEvent(planner, {}, { ...plan, direct: false }, structuredClone(c.event), ctx, c.variables ?? {}, c.query);
      expect(fast).toEqual(slow);
      expect(JSON.stringify(fast)).not.toContain('gwCursor_');
    });
  }

  it('use the executor when another subgraph completes the event', () => {
    const plan = planner.plan(parse('subscription { messageAdded { id conversation { store { name } } } }'), undefined, {});
    expect(plan.rest).toBeDefined();
    expect(plan.direct).toBe(false);
  });
});
