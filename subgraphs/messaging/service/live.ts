/** The subscription `messageAdded`: the viewer's new messages, live, resumable from a Message.cursor. */
import type { Viewer } from '../../../platform/auth.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { liveEvents, SKIP } from '../../../platform/subscriptions/live.ts';
import type { MessageRow } from '../db/queries.ts';
import { MESSAGE_CREATED } from '../events.ts';
import type { Loaders } from '../loaders.ts';
import { ownSide, parseSeqCursor } from './access.ts';

/** A message as `messageAdded` delivers it: with its event's position on the bus (its cursor). */
export type LiveMessage = MessageRow & { position: number };

export class LiveService {
  constructor(private readonly deps: SubgraphDeps) {}

  /** `loadersFor(seq)`: the loaders to read event `seq` with (and resolve its fields). */
  async messageAdded(
    viewer: Viewer,
    args: { conversationId?: string | null; after?: string | null },
    loadersFor: (seq: number) => Loaders,
  ): Promise<AsyncIterableIterator<LiveMessage>> {
    const after = parseSeqCursor(args.after);
    const only = args.conversationId ?? null;
    if (only !== null) await ownSide(this.deps.db.drizzle, viewer, only);
    return liveEvents<LiveMessage>({
      bus: this.deps.bus,
      verifier: this.deps.verifier,
      viewer,
      topics: [MESSAGE_CREATED],
      after: after ?? undefined,
      filter: only ? (e) => e.payload.conversationId === only : undefined,
      map: async (e) => {
        const m = await loadersFor(e.seq).message.load(String(e.payload.messageId));
        if (!m) return SKIP; // deleted since (its author's data was erased): nothing to deliver
        return { ...m, position: e.seq };
      },
    });
  }
}
