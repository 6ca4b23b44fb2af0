/**
 * The operation limits (depth, aliases, root fields, estimated cost, parser
 * tokens), measured the same way on HTTP (an Apollo Server validation rule and
 * parse options, security.ts) and on the websocket path (`parseOperation` +
 * `checkOperationLimits`). The settings and their environment variables are
 * in security.ts; docs/operations.md has the table.
 */
import { createRequire } from 'node:module';
import type {
  ASTVisitor,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
  ValueNode,
} from 'graphql';

// graphql-js as @apollo/gateway and Apollo Server load it (CommonJS): one realm
// for schemas and errors, also under vitest (which would pick index.mjs).
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const { GraphQLError, Kind, parse } = graphql;
type GraphQLError = import('graphql').GraphQLError;

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';
/** Page size assumed for a field taking `first` when the operation gives none (the contract's default). */
export const DEFAULT_PAGE_SIZE = 20;
/** Page size assumed when `first` is a variable without a default (the contract's maximum). */
export const MAX_PAGE_SIZE = 100;

export interface Limits {
  /** Parser tokens; 0 = no limit. */
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
}

export const DEFAULT_LIMITS: Limits = { maxTokens: 5000, maxDepth: 12, maxAliases: 30, maxRootFields: 20, maxCost: 50000 };

export interface OperationStats {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
}

interface SetStats {
  /** Fields at this level (through fragments), introspection fields excepted. */
  fields: number;
  depth: number;
  aliases: number;
  cost: number;
}

/**
 * Measure one operation, fragments expanded (each fragment measured once, so
 * this is linear in the document's size however often fragments are spread).
 * Introspection fields (`__schema`, `__type`, `__typename`) count as nothing
 * but their aliases: introspection is off in production.
 */
export function measureOperation(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): OperationStats {
  const memo = new Map<string, SetStats>();
  const inProgress = new Set<string>();
  const empty: SetStats = { fields: 0, depth: 0, aliases: 0, cost: 0 };

  const measureSet = (set: SelectionSetNode | undefined, parent: GraphQLNamedType | undefined): SetStats => {
    const out: SetStats = { ...empty };
    if (!set) return out;
    for (const sel of set.selections) {
      let s: SetStats;
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) out.aliases++;
        if (sel.name.value.startsWith('__')) continue;
        const def = fieldsOf(parent)?.[sel.name.value];
        const child = measureSet(sel.selectionSet, def ? namedType(def.type) : undefined);
        const pageArg = def?.args.find((a) => a.name === 'first' || a.name === 'last');
        const factor = pageArg ? pageSize(sel.arguments?.find((a) => a.name.value === pageArg.name)?.value, operation) : 1;
        out.fields++;
        out.depth = Math.max(out.depth, 1 + child.depth);
        out.aliases += child.aliases;
        out.cost += 1 + factor * child.cost;
        continue;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        s = measureSet(sel.selectionSet, type ?? undefined);
      } else {
        const name = sel.name.value;
        const frag = fragments[name];
        if (!frag || inProgress.has(name)) continue; // unknown or cyclic: the standard rules report it
        let m = memo.get(name);
        if (!m) {
          inProgress.add(name);
          m = measureSet(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined);
          inProgress.delete(name);
          memo.set(name, m);
        }
        s = m;
      }
      out.fields += s.fields;
      out.depth = Math.max(out.depth, s.depth);
      out.aliases += s.aliases;
      out.cost += s.cost;
    }
    return out;
  };

  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const s = measureSet(operation.selectionSet, root ?? undefined);
  return { depth: s.depth, aliases: s.aliases, rootFields: s.fields, cost: s.cost };
}

/** Fields of an object or interface type (duck-typed: no instanceof across module realms). */
function fieldsOf(type: GraphQLNamedType | undefined): Record<string, { type: unknown; args: readonly { name: string }[] }> | undefined {
  const t = type as { getFields?: () => Record<string, { type: unknown; args?: readonly { name: string }[] }> } | undefined;
  if (!t?.getFields || 'getValues' in t) return undefined;
  const fields = t.getFields();
  // input object fields have no args: never reached from a selection set
  return fields as Record<string, { type: unknown; args: readonly { name: string }[] }>;
}

function namedType(type: unknown): GraphQLNamedType {
  let t = type as { ofType?: unknown };
  while (t.ofType) t = t.ofType as { ofType?: unknown };
  return t as unknown as GraphQLNamedType;
}

function pageSize(value: ValueNode | undefined, operation: OperationDefinitionNode): number {
  if (!value || value.kind === Kind.NULL) return DEFAULT_PAGE_SIZE;
  if (value.kind === Kind.INT) return Math.max(0, Number(value.value));
  if (value.kind === Kind.VARIABLE) {
    const def = operation.variableDefinitions?.find((v) => v.variable.name.value === value.name.value);
    if (def?.defaultValue?.kind === Kind.INT) return Math.max(0, Number(def.defaultValue.value));
    return MAX_PAGE_SIZE;
  }
  return DEFAULT_PAGE_SIZE;
}

function limitError(limit: string, message: string, node?: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, { nodes: node ? [node] : undefined, extensions: { code: QUERY_TOO_COMPLEX, limit } });
}

/** Errors for every limit the operation exceeds (none when within all). */
export function limitErrorsFor(stats: OperationStats, limits: Limits, node?: OperationDefinitionNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const name = node?.name ? ` "${node.name.value}"` : '';
  if (limits.maxDepth && stats.depth > limits.maxDepth) {
    errors.push(limitError('MAX_DEPTH', `Operation${name} is nested ${stats.depth} levels deep; the limit is ${limits.maxDepth} (MAX_DEPTH).`, node));
  }
  if (limits.maxAliases && stats.aliases > limits.maxAliases) {
    errors.push(limitError('MAX_ALIASES', `Operation${name} uses ${stats.aliases} aliases; the limit is ${limits.maxAliases} (MAX_ALIASES).`, node));
  }
  if (limits.maxRootFields && stats.rootFields > limits.maxRootFields) {
    errors.push(
      limitError(
        'MAX_ROOT_FIELDS',
        `Operation${name} asks for ${stats.rootFields} top-level fields; the limit is ${limits.maxRootFields} (MAX_ROOT_FIELDS).`,
        node,
      ),
    );
  }
  if (limits.maxCost && stats.cost > limits.maxCost) {
    errors.push(limitError('MAX_COST', `Operation${name} has an estimated cost of ${stats.cost}; the limit is ${limits.maxCost} (MAX_COST).`, node));
  }
  return errors;
}

/** A GraphQL validation rule enforcing depth, aliases, root fields and cost. */
export function operationLimitsRule(limits: Limits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const doc = context.getDocument();
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    return {
      OperationDefinition(node) {
        const stats = measureOperation(context.getSchema(), node, fragments);
        for (const e of limitErrorsFor(stats, limits, node)) context.reportError(e);
        return false;
      },
    };
  };
}

/** Parse an operation with the token limit (for the websocket path; HTTP uses Apollo's parseOptions). */
export function parseOperation(source: string, limits: Pick<Limits, 'maxTokens'>): DocumentNode {
  try {
    return parse(source, limits.maxTokens ? { maxTokens: limits.maxTokens } : undefined);
  } catch (err) {
    throw tokenLimitError(err) ?? err;
  }
}

export function tokenLimitError(err: unknown): GraphQLError | undefined {
  const m = /Document contains more th(?:an|at) (\d+) tokens/.exec((err as Error)?.message ?? '');
  if (!m) return undefined;
  return new GraphQLError(`The operation has more than ${m[1]} tokens; the limit is ${m[1]} (MAX_TOKENS).`, {
    extensions: { code: QUERY_TOO_COMPLEX, limit: 'MAX_TOKENS' },
  });
}

/**
 * The limits for a parsed operation document, for the websocket path: the
 * same errors HTTP clients get (empty when the document is within limits).
 */
export function checkOperationLimits(schema: GraphQLSchema, document: DocumentNode, limits: Limits): GraphQLError[] {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const errors: GraphQLError[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) errors.push(...limitErrorsFor(measureOperation(schema, d, fragments), limits, d));
  }
  return errors;
}

// ---------------------------------------------------------------------------
// Apollo Server options and error masking
// ---------------------------------------------------------------------------
