import crypto from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, dropDatabase, openDatabase, queryRows, type Database } from '../../platform/db.ts';
import { PgEventBus, publish, type BusEvent } from '../../platform/events/bus.ts';
import { runMigrations } from '../../platform/migrate.ts';
import { OutboxRelay } from '../../platform/events/relay.ts';
import { onPostgres } from '../helpers/stack.ts';

const admin = process.env.DATABASE_URL;
const created: string[] = [];

async function freshDatabase(): Promise<{ db: Database; url?: string }> {
  if (!admin) {
    const pg = new PGlite();
    const db = await openDatabase({ name: 'test', pglite: pg });
    await runMigrations(db, 'kit');
    return { db: { ...db, close: async () => pg.close() } as Database };
  }
  const name = `mg_kit_${crypto.randomBytes(5).toString('hex')}`;
  created.push(name);
  const url = await createDatabase(admin, name);
  const db = await openDatabase({ name: 'test', url });
  await runMigrations(db, 'kit', url);
  return { db, url };
}

const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

afterAll(async () => {
  for (const name of created) await dropDatabase(admin!, name);
});

describe('the event bus', () => {
  let db: Database;
  let bus: PgEventBus;
  beforeAll(async () => {
    ({ db } = await freshDatabase());
    bus = new PgEventBus(db, { pollIntervalMs: 200 });
    await bus.start();
  });
  afterAll(async () => {
    await bus.stop();
    await db.close();
  });

  it('delivers an event after its transaction commits, and never one that rolled back', async () => {
    const seen: BusEvent[] = [];
    const off = bus.onEvent((e) => seen.push(e));
    await db.drizzle
      .transaction(async (tx) => {
        await publish(tx, [{ topic: 'test.rolled_back', payload: { n: 1 } }]);
        throw new Error('roll back');
      })
      .catch(() => {});
    const [seq] = await db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.committed', payload: { n: 2 }, audience: ['u1'] }]));
    await bus.waitFor(seq);
    off();
    expect(seen.map((e) => e.topic)).toEqual(['test.committed']);
    expect(seen[0].audience).toEqual(['u1']);
    expect(seen[0].payload).toEqual({ n: 2 });
  });

  it('hands an event to the listeners of every event and to the listeners of each of its audience, no one else', async () => {
    const seen: Record<string, number[]> = { all: [], u1: [], u2: [], u3: [] };
    const offs = [
      bus.onEvent((e) => e.topic.startsWith('test.aud') && seen.all.push(e.payload.n as number)),
      bus.onEvent((e) => seen.u1.push(e.payload.n as number), 'u1'),
      bus.onEvent((e) => seen.u2.push(e.payload.n as number), 'u2'),
      bus.onEvent((e) => seen.u3.push(e.payload.n as number), 'u3'),
    ];
    const second = bus.onEvent((e) => seen.u1.push(-(e.payload.n as number)), 'u1');
    const publishOne = (n: number, audience: string[]) => db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.aud', payload: { n }, audience }]));
    await publishOne(1, ['u1']);
    await publishOne(2, ['u2', 'u1', 'u2']); // u2 named twice: once
    const [third] = await publishOne(3, []);
    await bus.waitFor(third); // delivered before the other listener leaves
    second(); // u1's other listener leaves; its first stays
    const [last] = await publishOne(4, ['u1', 'u3']);
    await bus.waitFor(last);
    for (const off of offs) off();
    expect(seen.all).toEqual([1, 2, 3, 4]);
    expect(seen.u1).toEqual([1, -1, 2, -2, 4]);
    expect(seen.u2).toEqual([2]);
    expect(seen.u3).toEqual([4]);
  });

  it('hands each event to a named consumer exactly once, even with two instances consuming', async () => {
    const bus2 = new PgEventBus(db, { pollIntervalMs: 200 });
    await bus2.start();
    const handled: number[] = [];
    const handler = async (tx: Parameters<Parameters<Database['drizzle']['transaction']>[0]>[0], e: BusEvent) => {
      await tx.execute(sql`select 1`);
      handled.push(e.payload.i as number);
    };
    bus.consume('test.once', ['test.work'], db, handler);
    bus2.consume('test.once', ['test.work'], db, handler);
    await Promise.all(Array.from({ length: 40 }, (_, i) => db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.work', payload: { i } }]))));
    await until(() => handled.length >= 40);
    await new Promise((r) => setTimeout(r, 300));
    await bus2.stop();
    expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it.skipIf(!onPostgres)('numbers events in commit order under concurrent publishers (PostgreSQL)', async () => {
    const seen: number[] = [];
    const off = bus.onEvent((e) => e.topic === 'test.order' && seen.push(e.seq));
    const seqs = (
      await Promise.all(Array.from({ length: 50 }, () => db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.order', payload: {} }]))))
    ).flat();
    await bus.waitFor(Math.max(...seqs));
    off();
    expect(seen).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('reads the log for live listeners only when one of them wants a commit’s topics, and a listener added later never gets what came before it', async () => {
    const quiet = new PgEventBus(db, { pollIntervalMs: 60_000 });
    await quiet.start();
    const reads = vi.spyOn(quiet, 'readAfter');
    const wanted: number[] = [];
    const offWanted = quiet.onEvent((e) => wanted.push(e.payload.i as number), undefined, ['test.wanted']);
    const publishOne = (topic: string, i: number) => db.drizzle.transaction((tx) => publish(tx, [{ topic, payload: { i } }]));
    // nobody here listens to test.later yet: its commits are passed over, not read
    const [first] = await publishOne('test.later', 1);
    await until(() => quiet.position >= first);
    const [second] = await publishOne('test.later', 2);
    await until(() => quiet.position >= second);
    expect(reads).not.toHaveBeenCalled();
    // a listener of test.later from now on: it gets the next one, never the two before it
    const later: number[] = [];
    const offLater = quiet.onEvent((e) => later.push(e.payload.i as number), undefined, ['test.later']);
    await publishOne('test.later', 3);
    await until(() => later.length > 0);
    expect(reads).toHaveBeenCalled();
    // a commit of a wanted topic is read and handed over, to its listener only
    await publishOne('test.wanted', 4);
    await until(() => wanted.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    offWanted();
    offLater();
    await quiet.stop();
    expect(later).toEqual([3]);
    expect(wanted).toEqual([4]);
  });

  it('still hands a listener an event whose NOTIFY was missed, on the next poll, though later commits were passed over', async () => {
    const polling = new PgEventBus(db, { pollIntervalMs: 150 });
    await polling.start();
    const got: number[] = [];
    const off = polling.onEvent((e) => got.push(e.payload.i as number), undefined, ['test.missed']);
    // an event of a wanted topic whose NOTIFY never came (written without one), then a commit nobody here wants
    await db.drizzle.execute(sql`insert into events.log (topic, payload, audience) values ('test.missed', '{"i": 1}'::jsonb, '{}'::text[])`);
    const [passed] = await db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.unwanted', payload: { i: 2 } }]));
    await until(() => polling.position >= passed);
    await until(() => got.length > 0, 3000);
    off();
    await polling.stop();
    expect(got).toEqual([1]);
  });

  it('wakes on a commit only the consumers of the topics committed', async () => {
    const quiet = new PgEventBus(db, { pollIntervalMs: 60_000 });
    await quiet.start();
    // the statements consumer b sends, counted on its own handle of the database
    let bStatements = 0;
    const counted = new Proxy(db.drizzle, {
      get(target, property, receiver) {
        const v = Reflect.get(target, property, receiver);
        if ((property === 'execute' || property === 'transaction') && typeof v === 'function') {
          return (...args: unknown[]) => {
            bStatements++;
            return v.apply(target, args);
          };
        }
        return v;
      },
    });
    const handledA: number[] = [];
    const handledB: number[] = [];
    quiet.consume('test.wake-a', ['test.wake_a'], db, async (_tx, e) => void handledA.push(e.payload.i as number));
    quiet.consume('test.wake-b', ['test.wake_b'], { ...db, drizzle: counted } as Database, async (_tx, e) => void handledB.push(e.payload.i as number));
    await new Promise((r) => setTimeout(r, 300)); // both have run once on registration
    const before = bStatements;
    for (let i = 0; i < 3; i++) await db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.wake_a', payload: { i } }]));
    await until(() => handledA.length === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(bStatements).toBe(before);
    await db.drizzle.transaction((tx) =>
      publish(tx, [
        { topic: 'test.wake_a', payload: { i: 3 } },
        { topic: 'test.wake_b', payload: { i: 9 } },
      ]),
    );
    await until(() => handledA.length === 4 && handledB.length === 1);
    expect(handledB).toEqual([9]);
    await quiet.stop();
  });

  it('polls idle consumers with one statement for all their positions, finds an event whose wake-up was missed, and replays when a position is moved back', async () => {
    const polling = new PgEventBus(db, { pollIntervalMs: 100 });
    await polling.start();
    let statements = 0;
    const counted = new Proxy(db.drizzle, {
      get(target, property, receiver) {
        const v = Reflect.get(target, property, receiver);
        if ((property === 'execute' || property === 'transaction') && typeof v === 'function') {
          return (...args: unknown[]) => {
            statements++;
            return v.apply(target, args);
          };
        }
        return v;
      },
    });
    const handled: number[] = [];
    const on = { ...db, drizzle: counted } as Database;
    polling.consume('test.idle', ['test.idle'], on, async (_tx, e) => void handled.push(e.payload.i as number));
    polling.consume('test.idle-2', ['test.idle_2'], on, async () => {});
    polling.consume('test.idle-3', ['test.idle_3'], on, async () => {});
    await new Promise((r) => setTimeout(r, 300)); // registered, ran once
    const before = statements;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1000)); // about ten polls with nothing new
    const polls = Math.ceil((Date.now() - t0) / 100) + 1;
    // one statement a poll reads the three positions; running each consumer would be two (register, transaction) each
    expect(statements - before).toBeLessThanOrEqual(polls);
    // an event whose NOTIFY never came (written to the log without one, as if the
    // notification was lost in a reconnect): the poll reads the log, sees the topic and runs its consumer
    await db.drizzle.execute(sql`insert into events.log (topic, payload, audience) values ('test.idle', '{"i":1}'::jsonb, '{}'::text[])`);
    await until(() => handled.length === 1, 3000);
    // an operator moves the consumer back: the poll sees the position changed and handles the event again
    await db.drizzle.execute(sql`update events.consumers set position = 0 where name = 'test.idle'`);
    await until(() => handled.length === 2, 3000);
    expect(handled).toEqual([1, 1]);
    await polling.stop();
  });

  it.skipIf(!onPostgres)(
    'runs a consumer again on the next poll when another instance held it and stopped (PostgreSQL: one connection on PGlite)',
    async () => {
      const a = new PgEventBus(db, { pollIntervalMs: 100 });
      await a.start();
      const handled: number[] = [];
      // the other instance: holds the consumer's position row in a transaction that never finishes its work
      let release!: () => void;
      const holding = new Promise<void>((r) => (release = r));
      const holder = db.drizzle.transaction(async (tx) => {
        await tx.execute(sql`insert into events.consumers (name) values ('test.held') on conflict (name) do nothing`);
        await tx.execute(sql`select position from events.consumers where name = 'test.held' for update`);
        await holding;
      });
      await new Promise((r) => setTimeout(r, 100));
      a.consume('test.held', ['test.held'], db, async (_tx, e) => void handled.push(e.payload.i as number));
      await db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.held', payload: { i: 7 } }]));
      await new Promise((r) => setTimeout(r, 400));
      expect(handled).toEqual([]); // held elsewhere
      release(); // the holder stops without handling anything; no new event comes
      await holder;
      await until(() => handled.length === 1, 3000);
      expect(handled).toEqual([7]);
      await a.stop();
    },
  );
});

describe.skipIf(!onPostgres)('a subgraph with a database of its own (PostgreSQL)', () => {
  it('has its events relayed into the shared log once, in order, with their audience, under positions the bus can tell from their outbox numbers', async () => {
    const shared = await freshDatabase();
    const local = await freshDatabase();
    const bus = new PgEventBus(shared.db, { pollIntervalMs: 100 });
    await bus.start();
    // the shared log's numbers run ahead of the subgraph database's
    await shared.db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.shared', payload: {} }]));
    const relay = new OutboxRelay(local.db, shared.db, 'catalog', { pollIntervalMs: 100 });
    await relay.start();
    const seen: BusEvent[] = [];
    bus.onEvent((e) => e.topic === 'test.relayed' && seen.push(e));
    const outbox: number[] = [];
    for (let i = 0; i < 5; i++) {
      outbox.push(...(await local.db.drizzle.transaction((tx) => publish(tx, [{ topic: 'test.relayed', payload: { i }, audience: ['ann', `u${i}`] }]))));
    }
    await until(() => seen.length >= 5);
    expect(seen.map((e) => e.audience)).toEqual([0, 1, 2, 3, 4].map((i) => ['ann', `u${i}`]));
    expect(await bus.positions(local.db, 'catalog', outbox)).toEqual(seen.map((e) => e.seq));
    expect(seen.map((e) => e.seq)).not.toEqual(outbox);
    // a second relay started from the same position copies nothing twice
    const again = new OutboxRelay(local.db, shared.db, 'catalog', { pollIntervalMs: 100 });
    await again.start();
    await again.stop();
    const rows = await queryRows<{ n: string }>(shared.db.drizzle, sql`select count(*) as n from events.log where topic = 'test.relayed'`);
    expect(Number(rows[0].n)).toBe(5);
    expect(seen.map((e) => e.payload.i)).toEqual([0, 1, 2, 3, 4]);
    await relay.stop();
    await bus.stop();
    await local.db.close();
    await shared.db.close();
  });
});
