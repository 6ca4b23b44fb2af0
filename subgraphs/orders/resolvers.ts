/** Thin resolvers of the orders subgraph: arguments in, service or loader call, result out. */
import { DateTime } from '../kit/scalars.ts';
import type { OrdersContext } from './server.ts';

export const resolvers = {
  DateTime,
} satisfies Record<string, unknown>;

export type _Ctx = OrdersContext;
