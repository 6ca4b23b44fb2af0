/** The orders subgraph's tables, all in the PostgreSQL schema "orders". */
import { pgSchema } from 'drizzle-orm/pg-core';

export const ordersSchema = pgSchema('orders');
