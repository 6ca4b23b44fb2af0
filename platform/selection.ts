/**
 * What a client selected under a field, for resolvers that read more in one
 * statement only when it is asked for (a list's total, a page's lines).
 */
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the client selected the field at `path` under this field (fragments
 * included), e.g. `selects(info, 'edges', 'node', 'lines')`.
 */
export function selects(info: GraphQLResolveInfo, ...path: string[]): boolean {
  const has = (set: SelectionSetNode | undefined, [name, ...rest]: string[]): boolean =>
    !!set?.selections.some((s) => {
      if (s.kind !== Kind.FIELD) return has(s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : info.fragments[s.name.value]?.selectionSet, [name, ...rest]);
      return s.name.value === name && (rest.length === 0 || has(s.selectionSet, rest));
    });
  return path.length > 0 && info.fieldNodes.some((f) => has(f.selectionSet, path));
}
