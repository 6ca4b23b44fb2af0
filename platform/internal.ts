/**
 * Service-to-service calls between subgraphs, outside the client-facing API.
 *
 * A subgraph exposes `internal` routes (`POST /internal/<operation>`, JSON in,
 * JSON out), guarded by the same `x-subgraph-secret` as /graphql. Another
 * subgraph calls them with `InternalClient.call`. Operations that change state
 * take an idempotency key. The operations each subgraph offers are listed in
 * docs/internal-api.md.
 */
import { SECRET_HEADER, REQUEST_ID_HEADER } from './protocol.ts';
import type { SubgraphName } from './config.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InternalRoutes = Record<string, (input: any) => Promise<unknown>>;

export class InternalCallError extends Error {
  override name = 'InternalCallError';
}

export class InternalClient {
  constructor(
    private readonly urls: Record<SubgraphName, string>,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async call<T>(target: SubgraphName, operation: string, input: unknown, requestId?: string): Promise<T> {
    const url = this.urls[target].replace(/\/graphql\/?$/, '') + `/internal/${operation}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SECRET_HEADER]: this.secret,
          ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}),
        },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new InternalCallError(`${target} ${operation}: unreachable (${(err as Error).name})`);
    }
    if (!res.ok) throw new InternalCallError(`${target} ${operation}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /**
   * Resolves entity references on another subgraph's /graphql (`_entities`),
   * as the gateway would, without a viewer: public fields only. `selection` is
   * the inline fragment, e.g. `... on Product { id priceRange { min { amount } } }`.
   * One answer per representation, null for an entity that does not exist.
   */
  async entities<T>(target: SubgraphName, representations: Record<string, unknown>[], selection: string, requestId?: string): Promise<(T | null)[]> {
    let res: Response;
    try {
      res = await fetch(this.urls[target], {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SECRET_HEADER]: this.secret,
          ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}),
        },
        body: JSON.stringify({
          query: `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ${selection} } }`,
          variables: { representations },
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new InternalCallError(`${target} _entities: unreachable (${(err as Error).name})`);
    }
    if (!res.ok) throw new InternalCallError(`${target} _entities: HTTP ${res.status}`);
    const body = (await res.json()) as { data?: { _entities?: (T | null)[] }; errors?: unknown[] };
    // a failed lookup is not "does not exist": say the other side could not answer
    if (body.errors?.length || !body.data?._entities) throw new InternalCallError(`${target} _entities: failed`);
    return body.data._entities;
  }
}
