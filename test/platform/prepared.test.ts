import crypto from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { asc, eq, sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase, openDatabase, type Database } from '../../platform/db.ts';
import { anyOf, arrayParam, prepared, preparedRaw, preparedShapes } from '../../platform/prepared.ts';

/** Prepared reads on the database the suite runs on: PostgreSQL (postgres.js) with DATABASE_URL, PGlite otherwise. */
const admin = process.env.DATABASE_URL;
const dbName = `mg_prepared_${crypto.randomBytes(5).toString('hex')}`;
const items = pgTable('prepared_items', { id: uuid('id').primaryKey(), name: text('name').notNull(), n: integer('n').notNull() });
const notes = pgTable('prepared_notes', {
  itemId: uuid('item_id').primaryKey(),
  body: text('body'),
  tags: jsonb('tags').$type<string[]>(),
  at: timestamp('at', { withTimezone: true }).notNull(),
});

const byIds = prepared('test_items_by_ids', (db) => db.select().from(items).where(anyOf(items.id, 'ids')).orderBy(asc(items.n)));
const byNames = prepared('test_items_by_names', (db) =>
  db
    .select({ name: items.name })
    .from(items)
    .where(anyOf(items.name, 'names', 'text')),
);
const sumAbove = preparedRaw<{ total: number | string | null }>(
  'test_items_sum',
  sql`select sum(n) as total from prepared_items where n > ${sql.placeholder('min')}`,
);
const page = preparedShapes('test_items_page', (db, shape: 'all' | 'after') =>
  db
    .select({ n: items.n })
    .from(items)
    .where(shape === 'after' ? sql`${items.n} > ${sql.placeholder('after')}` : undefined)
    .orderBy(asc(items.n))
    .limit(sql.placeholder('limit')),
);

const names = ['plain', 'with "quotes"', 'back\\slash', 'comma, and {braces}', 'NULL', '', 'ünïcødé ✓'];
const rows = names.map((name, n) => ({ id: crypto.randomUUID(), name, n }));

let db: Database;
let pg: PGlite | undefined;

beforeAll(async () => {
  if (admin) db = await openDatabase({ name: 'test', url: await createDatabase(admin, dbName) });
  else db = await openDatabase({ name: 'test', pglite: (pg = new PGlite()) });
  await db.drizzle.execute(sql`create table prepared_items (id uuid primary key, name text not null, n integer not null)`);
  await db.drizzle.insert(items).values(rows);
  await db.drizzle.execute(sql`create table prepared_notes (item_id uuid primary key, body text, tags jsonb, at timestamptz not null)`);
  await db.drizzle.insert(notes).values([
    { itemId: rows[0].id, body: 'first', tags: ['a', 'b'], at: new Date('2026-01-02T03:04:05.678Z') },
    { itemId: rows[1].id, body: null, tags: null, at: new Date('2026-02-03T04:05:06.789Z') },
  ]);
});

afterAll(async () => {
  await db?.close();
  await pg?.close();
  if (admin) await dropDatabase(admin, dbName);
});

describe('prepared reads', () => {
  it('answer lists of ids of any length with one statement each', async () => {
    for (const take of [0, 1, 3, rows.length]) {
      const ids = rows.slice(0, take).map((r) => r.id);
      const before = db.statements.count;
      const found = await byIds(db.drizzle, { ids: arrayParam(ids) });
      expect(db.statements.count - before).toBe(1);
      expect(found).toEqual(rows.slice(0, take));
    }
  });

  it('pass text values with quotes, backslashes, commas, braces and the word NULL unchanged', async () => {
    const found = await byNames(db.drizzle, { names: arrayParam(names) });
    expect(found.map((r) => r.name).sort()).toEqual([...names].sort());
    expect(await byNames(db.drizzle, { names: arrayParam(['with "quotes']) })).toEqual([]);
  });

  it('refuse an id that is not a UUID with a database error instead of matching anything', async () => {
    await expect(byIds(db.drizzle, { ids: arrayParam(['not-a-uuid']) })).rejects.toThrow();
  });

  it('run inside the transaction they are given: its own rows are seen, and nothing after it rolls back', async () => {
    const extra = { id: crypto.randomUUID(), name: 'in a transaction', n: 100 };
    await db.drizzle
      .transaction(async (tx) => {
        await tx.insert(items).values(extra);
        expect(await byIds(tx, { ids: arrayParam([extra.id]) })).toEqual([extra]);
        // (the handle outside is not asked meanwhile: PGlite is one connection, held by this transaction)
        tx.rollback();
      })
      .catch((err: Error) => {
        if (!/rollback/i.test(err.message)) throw err;
      });
    expect(await byIds(db.drizzle, { ids: arrayParam([extra.id]) })).toEqual([]);
  });

  it('map rows exactly as drizzle does unprepared: nested objects, decoded values, a left-joined row that is absent as null', async () => {
    const query = (d: Database['drizzle']) =>
      d
        .select({
          item: items,
          note: notes,
          label: sql<string>`upper(${items.name})`,
          twice: sql<number>`${items.n} * 2`.mapWith(Number),
          noteBody: notes.body,
        })
        .from(items)
        .leftJoin(notes, eq(notes.itemId, items.id))
        .orderBy(asc(items.n));
    const joined = prepared('test_items_with_notes', query);
    const mine = await joined(db.drizzle, {});
    const drizzles = await query(db.drizzle);
    expect(mine).toStrictEqual(drizzles);
    // the same keys in the same order, so the JSON a client gets is the same too
    expect(JSON.stringify(mine)).toBe(JSON.stringify(drizzles));
    expect(mine[0].note).toEqual({ itemId: rows[0].id, body: 'first', tags: ['a', 'b'], at: new Date('2026-01-02T03:04:05.678Z') });
    expect(mine[1].note?.body).toBeNull();
    expect(mine[2].note).toBeNull();
    expect(mine[2].twice).toBe(4);
  });

  it('take new values on every call, raw SQL and statement shapes included', async () => {
    expect(Number((await sumAbove(db.drizzle, { min: 4 }))[0].total)).toBe(5 + 6);
    expect(Number((await sumAbove(db.drizzle, { min: 0 }))[0].total)).toBe(21);
    expect(await page(db.drizzle, 'all', { limit: 2 })).toEqual([{ n: 0 }, { n: 1 }]);
    expect(await page(db.drizzle, 'after', { after: 1, limit: 3 })).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
    expect(await page(db.drizzle, 'after', { after: 5, limit: 3 })).toEqual([{ n: 6 }]);
  });
});
