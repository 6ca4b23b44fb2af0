/**
 * One rule for text input, in every subgraph: no NUL character (U+0000).
 *
 * PostgreSQL cannot store U+0000 in `text` (nor in `jsonb` strings): a NUL
 * that reaches a query fails it deep inside, which a client used to see as
 * INTERNAL_SERVER_ERROR. No legitimate name, message, reason, key, email or
 * search has one, so the subgraph server refuses the whole operation before
 * it runs: a GraphQL error with `extensions.code` INVALID_INPUT, nothing
 * executed, nothing changed. Checked: every string in the operation's
 * variables (through input objects and lists, keys included) and every string
 * literal written in the document itself (arguments, nested object and list
 * values, variable defaults, directive arguments).
 *
 * The subgraph server applies it to HTTP operations (its executor,
 * executor.ts) and to subscriptions over graphql-ws (`onSubscribe`).
 */
import { BREAK, GraphQLError, visit, type DocumentNode } from 'graphql';

const NUL = '\u0000';

/** Where a NUL was found: `$input.body`, `$input.variants[0].options[1].value`, or `"…" in the document`. */
export type NulLocation = string;

/** The first variable path holding a string with a NUL, or null. */
export function nulInVariables(variables: unknown): NulLocation | null {
  if (!variables || typeof variables !== 'object') return null;
  for (const name in variables) {
    if (!Object.hasOwn(variables, name)) continue;
    // the path is spelled out only for the value that holds a NUL (most operations have none)
    if (hasNul((variables as Record<string, unknown>)[name])) return nulIn((variables as Record<string, unknown>)[name], `$${name}`);
    if (name.includes(NUL)) return 'a variable name';
  }
  return null;
}

/** Whether a string in `value` (through objects and lists, keys included) holds a NUL: no path built, nothing allocated. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (!value || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNul(value[i])) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.includes(NUL) || hasNul((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Where in `value` (at `path`) the first NUL is: `value` holds one (hasNul). */
function nulIn(value: unknown, path: string): NulLocation | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (!value || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = nulIn(value[i], `${path}[${i}]`);
      if (at) return at;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value)) {
    if (key.includes(NUL)) return `a field name in ${path}`;
    const at = nulIn(v, `${path}.${key}`);
    if (at) return at;
  }
  return null;
}

/** A document's verdict never changes: parsed documents are cached and reused, so remember it per document. */
const literalVerdicts = new WeakMap<DocumentNode, NulLocation | null>();

/** Whether a string literal of the document holds a NUL (written `\u0000` in the query text). */
export function nulInDocument(document: DocumentNode): NulLocation | null {
  const known = literalVerdicts.get(document);
  if (known !== undefined) return known;
  let found: NulLocation | null = null;
  visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) {
        found = 'a string written in the query';
        return BREAK;
      }
      return undefined;
    },
  });
  literalVerdicts.set(document, found);
  return found;
}

/**
 * The INVALID_INPUT error for an operation with a NUL somewhere in its input.
 * Over HTTP it carries status 200 (the executor's default for a refused
 * operation is 500, as Apollo Server's was, which the gateway would take for
 * a broken subgraph).
 */
export function nulInputError(at: NulLocation, over: 'http' | 'ws' = 'http'): GraphQLError {
  return new GraphQLError(`Text input must not contain NUL characters (U+0000): ${at}.`, {
    extensions: { code: 'INVALID_INPUT', ...(over === 'http' ? { http: { status: 200 } } : {}) },
  });
}

/** The rule: an INVALID_INPUT error when the operation's input holds a NUL, else null. */
export function checkTextInput(document: DocumentNode | undefined, variables: unknown, over: 'http' | 'ws' = 'http'): GraphQLError | null {
  const at = nulInVariables(variables) ?? (document ? nulInDocument(document) : null);
  return at ? nulInputError(at, over) : null;
}
