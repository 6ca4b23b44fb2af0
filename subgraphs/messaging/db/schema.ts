/** The messaging subgraph's tables, all in the PostgreSQL schema "messaging". */
import { pgSchema } from 'drizzle-orm/pg-core';

export const messagingSchema = pgSchema('messaging');
