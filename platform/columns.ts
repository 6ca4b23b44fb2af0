/**
 * Column builders the subgraphs' tables share (drizzle, PostgreSQL): the
 * shapes that recur from table to table, each producing exactly the column a
 * table spelled out before (the migrations do not change).
 */
import { sql } from 'drizzle-orm';
import { integer, jsonb, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A `timestamptz` column, read as a Date. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The row's id: a UUID the database makes (`gen_random_uuid()`) unless one is given. */
export const generatedId = () => uuid('id').primaryKey().defaultRandom();

/** When the row was written: `now()` unless given. */
export const createdNow = () => timestamptz('created_at').notNull().defaultNow();

/** An amount in minor units (cents): integers, never floats (DESIGN: money). */
export const cents = (name: string) => integer(name).notNull();

/** A list of UUIDs, empty by default. */
export const uuidList = (name: string) =>
  uuid(name)
    .array()
    .notNull()
    .default(sql`'{}'::uuid[]`);

/** A list of strings, empty by default. */
export const textList = (name: string) =>
  text(name)
    .array()
    .notNull()
    .default(sql`'{}'::text[]`);

/** A JSON array, empty by default. */
export const jsonList = (name: string) =>
  jsonb(name)
    .notNull()
    .default(sql`'[]'::jsonb`);

/** A postal address, as people enter it (shipping addresses, and the copy an order keeps): only the province is optional. */
export const postalAddress = () => ({
  recipientName: text('recipient_name').notNull(),
  phone: text('phone').notNull(),
  country: text('country').notNull(),
  province: text('province'),
  city: text('city').notNull(),
  street: text('street').notNull(),
  postalCode: text('postal_code').notNull(),
});
