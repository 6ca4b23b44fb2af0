/** Small collection helpers shared by loaders and services. */

/** Rows grouped by key, each group in the rows' order. */
export function groupBy<T, K>(rows: Iterable<T>, key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** `ids` mapped to the row with that id, or null: the order a DataLoader batch must answer in. */
export function byIds<T, K>(ids: readonly K[], rows: Iterable<T>, key: (row: T) => K): (T | null)[] {
  const found = new Map<K, T>();
  for (const row of rows) found.set(key(row), row);
  return ids.map((id) => found.get(id) ?? null);
}
