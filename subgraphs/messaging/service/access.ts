/** Who takes part in a conversation, and on which side; and the cursors of messaging's lists. */
import { GraphQLError } from 'graphql';
import type { Viewer } from '../../../platform/auth.ts';
import type { Executor } from '../../../platform/db.ts';
import { forbidden } from '../../../platform/errors.ts';
import { decodeCursor, isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import type { ConversationRow, Side } from '../db/queries.ts';

/** The viewer's side of a conversation, or null when they are not part of it. */
export function sideOf(c: ConversationRow, viewerId: string | undefined): Side | null {
  if (!viewerId) return null;
  if (c.buyerId === viewerId) return 'BUYER';
  if (c.category === 'SELLER' && c.sellerId === viewerId) return 'SELLER';
  return null;
}

/** The conversation with the viewer's side, or FORBIDDEN (unknown and not-yours look alike). */
export async function ownSide(ex: Executor, viewer: Viewer, conversationId: string): Promise<{ c: ConversationRow; side: Side }> {
  const [c] = isId(conversationId) ? await q.conversationsByIds(ex, [conversationId]) : [];
  const side = c ? sideOf(c, viewer.id) : null;
  if (!c || !side) throw forbidden('You are not part of this conversation.');
  return { c, side };
}

const badCursor = () => new GraphQLError('The cursor is not valid.', { extensions: { code: 'BAD_USER_INPUT' } });

/** A conversation list's cursor: the conversation's last seq and id. */
export function conversationAfter(after: string | null | undefined): { seq: number; id: string } | null {
  const c = decodeCursor<{ s?: unknown; i?: unknown }>(after);
  if (!c) return null;
  if (typeof c.s !== 'number' || !Number.isSafeInteger(c.s) || !isId(c.i)) throw badCursor();
  return { seq: c.s, id: c.i };
}

/** A Message.cursor (the decimal seq of its message.created event). */
export function parseSeqCursor(after: string | null | undefined): number | null {
  if (after === null || after === undefined) return null;
  if (!/^\d{1,15}$/.test(after)) throw badCursor();
  return Number(after);
}
