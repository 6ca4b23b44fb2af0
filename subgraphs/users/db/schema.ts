/** The users subgraph's tables, all in the PostgreSQL schema "users". */
import { pgSchema } from 'drizzle-orm/pg-core';

export const usersSchema = pgSchema('users');
