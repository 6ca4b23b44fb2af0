/**
 * Planning a client subscription over the supergraph with the gateway's own
 * query planner. A subscription plan is a `SubscriptionNode`: `primary`, one
 * fetch on the subgraph that owns the root field (run upstream over
 * graphql-ws), and `rest`, the fetches that complete each event with the
 * fields of other subgraphs (run per event by execute.ts).
 *
 * The primary operation is rewritten so the gateway can resume it:
 * - the root field's `after` argument becomes the variable `$gwAfter_`, so a
 *   re-subscription can pass the last cursor the gateway delivered;
 * - `gwCursor_: cursor` is added to the root selection, so every event
 *   carries its cursor even when the client did not ask for it (the result
 *   shaping of executeQueryPlan drops it again from what the client sees).
 */
import { buildOperationContext } from '@apollo/gateway';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { LRUCache } from 'lru-cache';
import type { DocumentNode, FieldNode, GraphQLSchema, OperationDefinitionNode, ValueNode } from 'graphql';
import { GraphQLError, Kind, parse, print, visit } from './graphql.ts';

type OperationContext = ReturnType<typeof buildOperationContext>;

export const AFTER_VARIABLE = 'gwAfter_';
export const CURSOR_ALIAS = 'gwCursor_';

export interface SubscriptionPlan {
  /** Subgraph owning the root field. */
  serviceName: string;
  /** The primary fetch as planned (executed again per event as a seed, see execute.ts). */
  primary: FetchNode;
  /** The rewritten primary operation sent upstream. */
  upstreamQuery: string;
  /** Variables the primary uses (names). */
  variableUsages: string[];
  /** The root field's response key in the primary result (its alias or name). */
  rootKey: string;
  /** The `after` value the client gave (literal or variable), if any. */
  clientAfter: string | undefined;
  rest: PlanNode | undefined;
  /**
   * The primary fetch selects exactly what the client asked for (no `rest`, no
   * field the planner added, no fragment it inlined): an event is already in
   * the client's shape once the cursor alias is dropped (execute.ts skips the
   * query-plan executor then).
   */
  direct: boolean;
  operationContext: OperationContext;
}

export class SubscriptionPlanner {
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: Schema;
  /** The API schema clients validate against. */
  readonly schema: GraphQLSchema;
  private readonly planner: QueryPlanner;

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.schema = this.apiSchema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  private readonly cache = new LRUCache<string, Omit<SubscriptionPlan, 'clientAfter'> & { afterValue: ValueNode | undefined }>({ max: 500 });

  /**
   * Plan a validated subscription document; throws a GraphQLError when it
   * cannot be planned. Plans are cached by `key` (the query text and
   * operation name), the 500 most recently used.
   */
  plan(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, key?: string): SubscriptionPlan {
    const cacheKey = key !== undefined ? `${operationName ?? ''}\n${key}` : undefined;
    let planned = cacheKey !== undefined ? this.cache.get(cacheKey) : undefined;
    if (!planned) {
      planned = this.build(document, operationName);
      if (cacheKey !== undefined) this.cache.set(cacheKey, planned);
    }
    const { afterValue, ...plan } = planned;
    return { ...plan, clientAfter: afterValue ? valueOf(afterValue, variables) : undefined };
  }

  private build(document: DocumentNode, operationName: string | undefined) {
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const queryPlan: QueryPlan = this.planner.buildQueryPlan(operation);
    const node = queryPlan.node;
    if (!node || node.kind !== 'Subscription') {
      throw new GraphQLError('Only subscriptions are served over the websocket; send queries and mutations over HTTP.', {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const primary = node.primary;
    const rewritten = rewritePrimary(primary.operation);
    return {
      serviceName: primary.serviceName,
      primary,
      upstreamQuery: rewritten.query,
      variableUsages: (primary.variableUsages ?? []).filter((v) => v !== AFTER_VARIABLE),
      rootKey: rewritten.rootKey,
      afterValue: rewritten.after,
      rest: node.rest,
      direct: !node.rest && sameRootField(document, operationName, primary.operation),
      operationContext: buildOperationContext({ schema: this.schema, operationDocument: document, operationName }),
    };
  }
}

/** Add `gwCursor_: cursor` and route `after` through `$gwAfter_` in the primary's root field. */
export function rewritePrimary(query: string): { query: string; rootKey: string; after: ValueNode | undefined } {
  const doc = parse(query);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) throw new Error('primary fetch without an operation');
  const root = op.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
  if (!root) throw new Error('primary fetch without a root field');
  const afterArg = root.arguments?.find((a) => a.name.value === 'after');
  const after = afterArg?.value;
  const cursorField: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: CURSOR_ALIAS },
    name: { kind: Kind.NAME, value: 'cursor' },
  };
  const newRoot: FieldNode = {
    ...root,
    arguments: [
      ...(root.arguments ?? []).filter((a) => a.name.value !== 'after'),
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'after' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: AFTER_VARIABLE } } },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [...(root.selectionSet?.selections ?? []), cursorField] },
  };
  const newOp: OperationDefinitionNode = {
    ...op,
    selectionSet: { ...op.selectionSet, selections: op.selectionSet.selections.map((s) => (s === root ? newRoot : s)) },
    variableDefinitions: [
      ...(op.variableDefinitions ?? []),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: AFTER_VARIABLE } },
        type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'String' } },
      },
    ],
  };
  // The variable that fed the old `after` may now be unused: drop unused definitions.
  const used = new Set<string>();
  visit(newOp.selectionSet, { Variable: (v) => void used.add(v.name.value) });
  const pruned: OperationDefinitionNode = { ...newOp, variableDefinitions: newOp.variableDefinitions!.filter((d) => used.has(d.variable.name.value)) };
  const printed = print({ ...doc, definitions: doc.definitions.map((d) => (d === op ? pruned : d)) });
  return { query: printed, rootKey: root.alias?.value ?? root.name.value, after };
}

/** Whether the client's operation and the primary fetch select the very same single root field. */
function sameRootField(document: DocumentNode, operationName: string | undefined, primaryQuery: string): boolean {
  const rootOf = (doc: DocumentNode, name?: string) => {
    const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const op = name ? ops.find((o) => o.name?.value === name) : ops.length === 1 ? ops[0] : undefined;
    if (!op || op.selectionSet.selections.length !== 1 || op.selectionSet.selections[0].kind !== Kind.FIELD) return undefined;
    return op.selectionSet.selections[0];
  };
  const client = rootOf(document, operationName);
  const primary = rootOf(parse(primaryQuery));
  return Boolean(client && primary && print(client) === print(primary));
}

function valueOf(v: ValueNode, variables: Record<string, unknown>): string | undefined {
  if (v.kind === Kind.STRING) return v.value;
  if (v.kind === Kind.VARIABLE) {
    const x = variables[v.name.value];
    return typeof x === 'string' ? x : undefined;
  }
  return undefined;
}
