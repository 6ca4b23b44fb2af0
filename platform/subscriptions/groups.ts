/**
 * Subscription groups: on the gateway's connection to a subgraph, the
 * subscriptions that would get the same answer to every event run as one.
 *
 * The gateway carries every session's subscriptions over one connection per
 * subgraph. A seller signed in on many devices, each its own session, sends
 * one subscription per device with the same document. Answered one by one,
 * each would cost the subgraph its own live listener, execution, iteration
 * and message per event. Here they form a group: one graphql-ws subscription
 * (an internal id, `~1`, `~2`…) runs for all, and each of its answers goes out
 * once with the ids of all its members (a batched frame, next-batch.ts).
 *
 * - Members of a group: the same user with the same roles (every per-viewer
 *   field answers alike), the same document, operation name and variables.
 *   Sessions may differ: the group's own viewer carries a session of its own,
 *   which no revocation names, and each member's session is watched here, so
 *   revoking one session completes that session's members and leaves the
 *   rest running (revoking the user ends the whole group).
 * - A member is verified as any subscription is (its token, then joined);
 *   one whose token is refused goes to graphql-ws alone, which answers it
 *   as it answers anyone (the `error` message).
 * - A member that joins a running group gets the events from then on, as a
 *   new subscription would (possibly one committed a moment before, which
 *   the group was still delivering: as with the gateway's own sharing; on a
 *   connection that asked for positions it is told the cursor of the group's
 *   last answer before it joined as its start, positions.ts). A
 *   group that asks for a replay (an `after` argument with a value) takes
 *   newcomers with the same cursor only until its first answer: until then a
 *   newcomer gets exactly what its own replay would send (sessions resuming
 *   after a drop with the same cursor regroup when they arrive before it);
 *   after it, a newcomer would miss what was already replayed.
 * - The group ends when its last member completes (graphql-ws is told to
 *   complete the internal subscription), or when the internal subscription
 *   ends or fails (every member is sent that `complete` or `error`).
 * - Only on connections that asked for batched frames (the gateway, behind
 *   the subgraph secret); any other client gets plain graphql-ws. Before the
 *   connection is acknowledged everything goes to graphql-ws untouched, so
 *   the protocol's own errors (4401, 4400) are its own. Ids starting with
 *   `~` are the groups' own: a subscribe with one is refused (4400).
 */
import { Kind, visit, type DocumentNode } from 'graphql';
import type { Revocation, Viewer } from '../auth.ts';
import { ID_PREFIX, NEXT_INFIX, type NextBatcher } from './next-batch.ts';
import { positionFrame } from './positions.ts';

type Callback = (err?: Error) => void;

export interface GroupsOptions {
  /** The connection's batched `send` (next-batch.ts). */
  out: NextBatcher;
  /** Hands a message to graphql-ws, as if it came from the socket. */
  deliver(text: string): void;
  /** The viewer of a subscribe message's `authorization`; null or a throw sends it to graphql-ws alone. */
  verify(authorization: string | undefined): Promise<Viewer | null>;
  /** Revocations, as AuthVerifier tells them; returns the unsubscribe. */
  onRevoke(listener: (r: Revocation) => void): () => void;
  /** Closes the socket (a duplicate subscription id: 4409, as graphql-ws). */
  close(code: number, reason: string): void;
  /** The parsed document of a query text (graphql-ws's cached `parse`); on a throw graphql-ws answers the syntax error. */
  parse(query: string): DocumentNode;
  /**
   * The connection asked for position frames (positions.ts): each member is
   * told where its events start (the group's start, or the cursor of the last
   * answer sent before it joined; a group whose answers select no root
   * `cursor` takes newcomers only until its first answer).
   */
  positions?: boolean;
}

interface Member {
  id: string;
  /** Set once verified and joined. */
  group?: Group;
  sessionId?: string;
}

interface Group {
  /** The internal graphql-ws subscription's id. */
  id: string;
  /** Where newcomers find it; undefined once it takes none (a replay that has answered). */
  key?: string;
  /** Asked for a replay (`after` given): newcomers only until its first answer. */
  replay: boolean;
  userId: string;
  /** The context's viewer: the members' user, with a session of the group's own. */
  viewer: Viewer;
  members: Map<string, Member>;
  /**
   * Where a newcomer's events start (positions.ts): the internal subscription's
   * start position once graphql-ws runs it, then the cursor of each answer.
   */
  position?: string;
  /** Response keys of the root field and of its `cursor` in an answer, when selected. */
  cursorPath?: [string, string];
}

/** Internal ids: never a client's, since a grouped connection's client ids never reach graphql-ws. */
const GROUP_PREFIX = '~';
/** A message with a string id, up to the id's first character. */
const MESSAGE_ID_PREFIX = `${ID_PREFIX}"`;

export class SubscriptionGroups {
  private acknowledged = false;
  private nextGroup = 0;
  private readonly members = new Map<string, Member>();
  /** Client ids graphql-ws serves alone (their token was refused). */
  private readonly alone = new Set<string>();
  private readonly groups = new Map<string, Group>();
  private readonly byKey = new Map<string, Group>();
  private readonly offRevoke: () => void;
  private disposed = false;

  constructor(private readonly o: GroupsOptions) {
    this.offRevoke = o.onRevoke((r) => this.revoked(r));
  }

  /** The viewer to run an internal subscription as; undefined for any other id. */
  viewerOf(id: string): Viewer | undefined {
    return this.groups.get(id)?.viewer;
  }

  /** A message from the socket. */
  incoming(text: string): void {
    if (!this.acknowledged) return this.o.deliver(text);
    let m: { id?: unknown; type?: unknown; payload?: Record<string, unknown> };
    try {
      m = JSON.parse(text);
    } catch {
      return this.o.deliver(text);
    }
    if (m === null || typeof m !== 'object' || typeof m.id !== 'string' || !m.id) return this.o.deliver(text);
    if (m.type === 'subscribe' && m.id.startsWith(GROUP_PREFIX)) return this.o.close(4400, `Subscription ids starting with ${GROUP_PREFIX} are reserved`);
    if (m.type === 'subscribe' && isSubscribePayload(m.payload)) return void this.subscribe(m.id, m.payload, text);
    if (m.type === 'complete') return this.complete(m.id, text);
    this.o.deliver(text);
  }

  /** A message from graphql-ws to the socket. */
  outgoing(data: string, cb: Callback = () => {}): void {
    if (!data.startsWith(MESSAGE_ID_PREFIX)) {
      if (data.startsWith('{"type":"connection_ack"')) this.acknowledged = true;
      return this.o.out.send(data, cb);
    }
    const idEnd = data.indexOf('"', MESSAGE_ID_PREFIX.length);
    const id = data.slice(MESSAGE_ID_PREFIX.length, idEnd);
    const rest = data.slice(idEnd + 1);
    const group = this.groups.get(id);
    if (!group) {
      if (id.startsWith(GROUP_PREFIX)) return cb(); // a group already ended: its members were told
      if (this.alone.has(id) && !rest.startsWith(NEXT_INFIX)) this.alone.delete(id); // its error or complete
      return this.o.out.send(data, cb);
    }
    if (rest.startsWith(NEXT_INFIX)) {
      // a replay's newcomer from now on would miss what it has sent: it starts its own
      if (group.replay) this.unlist(group);
      // a newcomer's events start after this one (positions.ts); a group whose answers carry no
      // cursor cannot tell a newcomer where it starts, and takes no more
      else if (this.o.positions) this.track(group, rest.slice(NEXT_INFIX.length, -1));
      return this.o.out.next([...group.members.keys()], rest.slice(NEXT_INFIX.length, -1), cb);
    }
    // error or complete: the same for each member, and the group is over
    this.end(group);
    for (const memberId of group.members.keys()) this.o.out.send(`${ID_PREFIX}${JSON.stringify(memberId)}${rest}`);
    cb();
  }

  /** Notes the cursor of a group's answer as where a newcomer's events start (positions.ts). */
  private track(group: Group, payload: string): void {
    let cursor: unknown;
    if (group.cursorPath) {
      try {
        cursor = (JSON.parse(payload) as { data?: Record<string, Record<string, unknown> | null> | null }).data?.[group.cursorPath[0]]?.[group.cursorPath[1]];
      } catch {
        cursor = undefined;
      }
    }
    if (typeof cursor === 'string') group.position = cursor;
    else this.unlist(group);
  }

  /** Where a subscription graphql-ws runs starts (server.ts, positions.ts): told to each member, and kept for newcomers. */
  position(id: string, cursor: string): void {
    const group = this.groups.get(id);
    if (!group) {
      if (!id.startsWith(GROUP_PREFIX)) this.o.out.send(positionFrame(id, cursor)); // a subscription served alone
      return;
    }
    group.position = cursor;
    for (const memberId of group.members.keys()) this.o.out.send(positionFrame(memberId, cursor));
  }

  /** The socket closed: graphql-ws ends its own subscriptions. */
  dispose(): void {
    this.disposed = true;
    this.offRevoke();
    this.members.clear();
    this.groups.clear();
    this.byKey.clear();
    this.alone.clear();
  }

  /** Whether the subscription asks for a replay: an `after` argument given a value. */
  private replays(payload: SubscribePayload): boolean {
    let document: DocumentNode;
    try {
      document = this.o.parse(payload.query);
    } catch {
      return true; // graphql-ws answers the syntax error; treated as a replay, no one joins after it
    }
    const after = afterArguments(document);
    return after.literal || after.variables.some((name) => payload.variables?.[name] != null);
  }

  /** Where an answer of the subscription carries its event's cursor: the root field's `cursor`, when selected. */
  private cursorPath(payload: SubscribePayload): [string, string] | undefined {
    let document: DocumentNode;
    try {
      document = this.o.parse(payload.query);
    } catch {
      return undefined;
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation = payload.operationName
      ? operations.find((d) => d.name?.value === payload.operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
    const root = operation?.selectionSet.selections.find((s) => s.kind === Kind.FIELD && !s.name.value.startsWith('__'));
    if (!root || root.kind !== Kind.FIELD || root.directives?.length) return undefined;
    const cursor = root.selectionSet?.selections.find((s) => s.kind === Kind.FIELD && s.name.value === 'cursor' && !s.directives?.length);
    if (!cursor || cursor.kind !== Kind.FIELD) return undefined;
    return [(root.alias ?? root.name).value, (cursor.alias ?? cursor.name).value];
  }

  private async subscribe(id: string, payload: SubscribePayload, text: string): Promise<void> {
    if (this.members.has(id) || this.alone.has(id)) return this.o.close(4409, `Subscriber for ${id} already exists`);
    const member: Member = { id };
    this.members.set(id, member);
    const authorization = payload.extensions?.authorization;
    let viewer: Viewer | null = null;
    try {
      viewer = await this.o.verify(typeof authorization === 'string' ? authorization : undefined);
    } catch {
      viewer = null;
    }
    if (this.disposed || this.members.get(id) !== member) return; // completed (or the socket closed) meanwhile
    if (!viewer) {
      // graphql-ws answers it (onSubscribe refuses it with the reason)
      this.members.delete(id);
      this.alone.add(id);
      return this.o.deliver(text);
    }
    const key = groupKey(viewer, payload);
    let group = this.byKey.get(key);
    const starting = !group;
    if (!group) {
      const groupId = `${GROUP_PREFIX}${++this.nextGroup}`;
      const viewerOfGroup = Object.freeze({ ...viewer, sessionId: `group:${groupId}` });
      group = {
        id: groupId,
        key,
        replay: this.replays(payload),
        userId: viewer.id,
        viewer: viewerOfGroup,
        members: new Map(),
        cursorPath: this.o.positions ? this.cursorPath(payload) : undefined,
      };
      this.groups.set(groupId, group);
      this.byKey.set(key, group);
    }
    member.group = group;
    member.sessionId = viewer.sessionId;
    group.members.set(id, member);
    if (group.position !== undefined) this.o.out.send(positionFrame(id, group.position));
    if (starting) this.o.deliver(JSON.stringify({ id: group.id, type: 'subscribe', payload }));
  }

  private complete(id: string, text: string): void {
    if (this.alone.delete(id)) return this.o.deliver(text);
    const member = this.members.get(id);
    if (!member) return; // unknown: graphql-ws ignores it too
    this.leave(member);
  }

  private leave(member: Member): void {
    this.members.delete(member.id);
    const group = member.group;
    if (!group) return;
    group.members.delete(member.id);
    if (group.members.size === 0 && this.groups.get(group.id) === group) {
      this.end(group);
      this.o.deliver(JSON.stringify({ id: group.id, type: 'complete' }));
    }
  }

  private end(group: Group): void {
    this.groups.delete(group.id);
    this.unlist(group);
    for (const id of group.members.keys()) this.members.delete(id);
  }

  /** Newcomers no longer find the group. */
  private unlist(group: Group): void {
    if (group.key !== undefined && this.byKey.get(group.key) === group) this.byKey.delete(group.key);
    group.key = undefined;
  }

  /** A revoked session's members complete; the rest of their groups go on. */
  private revoked(r: Revocation): void {
    for (const group of [...this.groups.values()]) {
      if (r.userId !== undefined && group.userId !== r.userId) continue;
      for (const member of [...group.members.values()]) {
        if (r.sessionIds ? !r.sessionIds.includes(member.sessionId!) : group.userId !== r.userId) continue;
        this.o.out.send(`${ID_PREFIX}${JSON.stringify(member.id)},"type":"complete"}`);
        this.leave(member);
      }
    }
  }
}

interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

function isSubscribePayload(p: unknown): p is SubscribePayload {
  if (p === null || typeof p !== 'object') return false;
  const { query, operationName, variables, extensions } = p as Record<string, unknown>;
  const objectOrNone = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
  return (
    typeof query === 'string' &&
    (operationName === undefined || operationName === null || typeof operationName === 'string') &&
    objectOrNone(variables) &&
    objectOrNone(extensions)
  );
}

/** Per document: whether an `after` argument has a literal value, and the variables given to `after` arguments. */
const afterUses = new WeakMap<DocumentNode, { literal: boolean; variables: string[] }>();
function afterArguments(document: DocumentNode): { literal: boolean; variables: string[] } {
  let found = afterUses.get(document);
  if (!found) {
    const uses = { literal: false, variables: [] as string[] };
    visit(document, {
      Argument(node) {
        if (node.name.value !== 'after') return;
        if (node.value.kind === Kind.VARIABLE) uses.variables.push(node.value.name.value);
        else if (node.value.kind !== Kind.NULL) uses.literal = true;
      },
    });
    afterUses.set(document, (found = uses));
  }
  return found;
}

/** What makes two subscriptions answer alike: who (not which session), and what they ask. */
function groupKey(viewer: Viewer, p: SubscribePayload): string {
  return JSON.stringify([viewer.id, viewer.roles, p.operationName ?? null, p.variables ?? null, p.query]);
}
