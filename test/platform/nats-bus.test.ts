/**
 * The JetStream bus (EVENT_BUS=nats) on a nats-server this file owns (its own
 * port and store directory), over a fresh PostgreSQL database: the outbox is
 * written without a global lock, the relay publishes each event once however
 * many run, consumers handle each once, and a NATS restart (kill -9, then the
 * same store) loses and duplicates nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase, openDatabase, queryRows, type Database, type Tx } from '../../platform/db.ts';
import { NatsEventBus, publish, type BusEvent } from '../../platform/events/bus.ts';
import { runMigrations } from '../../platform/migrate.ts';
import { onPostgres } from '../helpers/stack.ts';
import { freePort } from '../helpers/net.ts';

const admin = process.env.DATABASE_URL;
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** A nats-server with JetStream on a free port and a store directory of its own. */
class OwnNats {
  private proc?: ChildProcess;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-test-'));
  port = 0;
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const proc = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${err}`)), 20_000);
      proc.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('exit', (code) => reject(new Error(`nats-server exited ${code}: ${err}`)));
    });
  }
  /** kill -9: no goodbye to clients, nothing flushed by the server. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const until = async (check: () => boolean | Promise<boolean>, state: () => unknown = () => '', ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(state())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!onPostgres)('the event bus on NATS JetStream', () => {
  const nats = new OwnNats();
  let db: Database;
  let dbName: string;
  // one database, one stream (as in production: a database's relay publishes to one stream)
  const stream = `test_${crypto.randomBytes(5).toString('hex')}`;
  const buses: NatsEventBus[] = [];
  /** Another instance of the bus (a process of its own would have one), relaying the database. */
  const bus = async () => {
    const b = new NatsEventBus({ url: nats.url, stream, replicas: 1 }, { pollIntervalMs: 200, relayPollIntervalMs: 50 });
    await b.start();
    await b.attach(db);
    buses.push(b);
    return b;
  };
  const send = (topic: string, payload: Record<string, unknown>, audience: string[] = []) =>
    db.drizzle.transaction((tx) => publish(tx, [{ topic, payload, audience }]));

  beforeAll(async () => {
    await nats.start();
    dbName = `mg_nats_${crypto.randomBytes(5).toString('hex')}`;
    const url = await createDatabase(admin!, dbName);
    db = await openDatabase({ name: 'test', url, max: 8 });
    await runMigrations(db, 'kit', url);
  });
  afterAll(async () => {
    for (const b of buses) await b.stop();
    await db?.close();
    if (dbName) await dropDatabase(admin!, dbName);
    await nats.stop();
  });

  it('delivers what committed once, in order, to listeners and to readers from a position, and nothing rolled back', async () => {
    const b = await bus();
    const seen: BusEvent[] = [];
    const mine: number[] = [];
    b.onEvent((e) => seen.push(e));
    b.onEvent((e) => mine.push(e.payload.n as number), 'ann');
    const from = b.position;
    await db.drizzle
      .transaction(async (tx) => {
        await publish(tx, [{ topic: 'test.rolled_back', payload: { n: 0 } }]);
        throw new Error('roll back');
      })
      .catch(() => {});
    for (let n = 1; n <= 6; n++) await send(n % 2 ? 'test.odd' : 'test.even', { n }, n % 3 ? ['ann'] : ['bob']);
    await until(() => seen.length >= 6);
    expect(seen.map((e) => e.payload.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(mine).toEqual([1, 2, 4, 5]);
    const odd = await b.readAfter(from, { topics: ['test.odd'] });
    expect(odd.map((e) => e.payload.n)).toEqual([1, 3, 5]);
    const anns = await b.readAfter(from, { topics: ['test.odd', 'test.even'], audience: 'ann', limit: 3 });
    expect(anns.map((e) => e.payload.n)).toEqual([1, 2, 4]);
    expect(await b.readAfter(anns[2].seq, { audience: 'ann' })).toEqual([expect.objectContaining({ payload: { n: 5 } })]);
    expect(await b.head()).toBe(seen[5].seq);
    expect((await b.history(['test.even'], new Date(Date.now() - 60_000))).map((e) => e.payload.n)).toEqual([2, 4, 6]);
  });

  it('turns the outbox numbers publish returned into the stream positions listeners saw, which differ once a rolled-back publish used a number', async () => {
    const b = await bus();
    const seen: BusEvent[] = [];
    b.onEvent((e) => e.topic === 'test.placed' && seen.push(e));
    await db.drizzle
      .transaction(async (tx) => {
        await publish(tx, [{ topic: 'test.placed', payload: { n: 0 } }]);
        throw new Error('roll back');
      })
      .catch(() => {});
    const outbox: number[] = [];
    for (let n = 1; n <= 3; n++) outbox.push(...(await send('test.placed', { n })));
    const positions = await b.positions(db, 'test', outbox); // waits for the relay
    await until(() => seen.length >= 3);
    expect(seen.map((e) => e.payload.n)).toEqual([1, 2, 3]);
    expect(positions).toEqual(seen.map((e) => e.seq));
    expect(positions).not.toEqual(outbox);
  });

  it('publishes without a global lock: a commit goes out while another publishing transaction is still open', async () => {
    const b = await bus();
    const seen: string[] = [];
    b.onEvent((e) => seen.push(e.topic));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const open = db.drizzle.transaction(async (tx) => {
      await publish(tx, [{ topic: 'test.slow', payload: {} }]);
      await held; // not committed yet
    });
    await new Promise((r) => setTimeout(r, 100));
    await send('test.quick', {}); // on the PostgreSQL bus this waits for the open transaction's lock
    await until(() => seen.includes('test.quick'));
    expect(seen).toEqual(['test.quick']);
    release();
    await open;
    await until(() => seen.includes('test.slow'));
    expect(seen).toEqual(['test.quick', 'test.slow']);
  });

  it('publishes each event once however many relays run, and hands it once to a consumer run by two instances', async () => {
    const [one, two] = [await bus(), await bus()];
    const handled: number[] = [];
    const handler = async (tx: Tx, e: BusEvent) => {
      await tx.execute(sql`select 1`);
      handled.push(e.payload.i as number);
    };
    one.consume('test.nats-once', ['test.work'], db, handler);
    two.consume('test.nats-once', ['test.work'], db, handler);
    await Promise.all(Array.from({ length: 40 }, (_, i) => send('test.work', { i })));
    await until(() => handled.length >= 40);
    await new Promise((r) => setTimeout(r, 300));
    expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const inStream = await one.readAfter(0, { topics: ['test.work'], limit: 1000 });
    expect(inStream.map((e) => e.payload.i).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('loses and duplicates nothing when NATS is killed and restarted while events are published', async () => {
    const b = await bus();
    const live: number[] = [];
    const handled: number[] = [];
    b.onEvent((e) => e.topic === 'test.restart' && live.push(e.payload.i as number));
    b.consume('test.nats-restart', ['test.restart'], db, async (tx, e) => {
      await tx.execute(sql`insert into events.consumers (name) values (${`test.restart:${String(e.payload.i)}`})`); // a second handling would fail here
      handled.push(e.payload.i as number);
    });
    let i = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await send('test.restart', { i: i++ });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await until(() => live.length >= 20);
    await nats.kill();
    await new Promise((r) => setTimeout(r, 500)); // publishing goes on into the outbox
    await nats.start();
    const atRestart = i;
    const state = () => ({ published: i, live: live.length, handled: handled.length, position: b.position });
    await until(() => live.length >= atRestart + 20, state); // flowing again
    publishing = false;
    await publisher;
    const all = Array.from({ length: i }, (_, n) => n);
    await until(() => live.length === i && handled.length === i, state);
    expect(live).toEqual(all);
    expect(handled).toEqual(all);
    const inStream = await b.readAfter(0, { topics: ['test.restart'], limit: 100_000 });
    expect(inStream.map((e) => e.payload.i)).toEqual(all);
    const [left] = await queryRows<{ n: string }>(db.drizzle, sql`select count(*) as n from events.log where relay_pending`);
    expect(Number(left.n)).toBe(0);
  });
});
