/** Thin resolvers of the messaging subgraph: arguments in, service or loader call, result out. */
import { DateTime } from '../kit/scalars.ts';
import type { MessagingContext } from './server.ts';

export const resolvers = {
  DateTime,
} satisfies Record<string, unknown>;

export type _Ctx = MessagingContext;
