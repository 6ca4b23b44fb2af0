/**
 * Relay-style connections: the one `Connection<T>` every subgraph's lists
 * answer with. Page size and opaque cursors are in scalars.ts (`pageSize`,
 * `encodeCursor`, `decodeCursor`).
 */
export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when a client asks for it (a resolver calls it), if the list offers a count. */
  totalCount?: () => Promise<number>;
}

/** A page from `rows` fetched with `limit + 1` rows: the extra one tells that a next page exists. */
export function connection<T>(rows: T[], limit: number, cursorOf: (row: T) => string, totalCount?: () => Promise<number>): Connection<T> {
  const edges = rows.slice(0, limit).map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    ...(totalCount ? { totalCount } : {}),
  };
}
