/** The catalog subgraph's tables, all in the PostgreSQL schema "catalog". */
import { pgSchema } from 'drizzle-orm/pg-core';

export const catalogSchema = pgSchema('catalog');
