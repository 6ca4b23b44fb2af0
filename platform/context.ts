/**
 * The request context every resolver receives, and the one boundary where a
 * resolver that needs a person gets one.
 *
 * Resolvers that need a signed-in person are wrapped in `authed`: the wrapper
 * refuses a guest with UNAUTHENTICATED (the subgraph server adds the refused
 * token's `extensions.reason`), and the resolver sees `ctx.viewer` typed as
 * present. Services take that `Viewer` (never `Viewer | null`) and check only
 * what is theirs to check: ownership, roles, state.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { TokenReason, Viewer } from './auth.ts';
import { unauthenticated } from './errors.ts';
import type { Logger } from './log.ts';

/** What every resolver's context starts from (one HTTP request, or one subscription). */
export interface RequestContext {
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  /** The client's address when a trusted caller forwards one in `x-client-ip` (HTTP only). */
  clientIp?: string;
  /** Set when the request carried a token that was refused: the request is a guest's (auth.ts). */
  tokenReason?: TokenReason;
}

/** A context whose person is signed in. */
export type SignedIn<C extends RequestContext = RequestContext> = C & { viewer: Viewer };

/** The signed-in context, or UNAUTHENTICATED. */
export function signedIn<C extends RequestContext>(ctx: C): SignedIn<C> {
  if (!ctx.viewer) throw unauthenticated();
  return ctx as SignedIn<C>;
}

/** A resolver that needs a person: a guest is refused before it runs, and it sees the viewer as present. */
export function authed<P, A, C extends RequestContext, R>(
  resolve: (parent: P, args: A, ctx: SignedIn<C>, info: GraphQLResolveInfo) => R,
): (parent: P, args: A, ctx: C, info: GraphQLResolveInfo) => R {
  return (parent, args, ctx, info) => resolve(parent, args, signedIn(ctx), info);
}
