/** The promotions subgraph's tables, all in the PostgreSQL schema "promotions". */
import { pgSchema } from 'drizzle-orm/pg-core';

export const promotionsSchema = pgSchema('promotions');
