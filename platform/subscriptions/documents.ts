/**
 * The one cache of parsed and validated documents, used by the gateway for
 * subscriptions (against the API schema, with its limits) and by the
 * subgraphs for subscriptions and for every HTTP operation (executor.ts,
 * against their own schema). Callers send a bounded set of distinct texts
 * (the gateway's query plans, the clients' subscriptions): each is parsed and
 * validated once, and every operation with that text shares the same AST.
 *
 * - Keyed by the query text; the `max` most recently used are kept (LRU).
 * - A text longer than `maxLength` is parsed and validated every time (the
 *   cache stays small whatever clients send).
 * - A text that does not parse is not kept: `parse` throws, and the caller
 *   answers the syntax error.
 */
import type { DocumentNode, GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';

export interface CheckedDocument {
  document: DocumentNode;
  /** Validation errors: empty when the document is valid. */
  errors: readonly GraphQLError[];
}

export interface DocumentCacheOptions {
  /** Parses a query text (throws a GraphQLError on a syntax error or a limit). */
  parse(query: string): DocumentNode;
  /** Validates a parsed document against the schema. */
  validate(document: DocumentNode): readonly GraphQLError[];
  /** Documents kept (default 500). */
  max?: number;
  /** Longest text kept, in characters (default 4096). */
  maxLength?: number;
}

export class DocumentCache {
  private readonly documents: LRUCache<string, CheckedDocument>;
  private readonly maxLength: number;

  constructor(private readonly o: DocumentCacheOptions) {
    this.documents = new LRUCache({ max: o.max ?? 500 });
    this.maxLength = o.maxLength ?? 4096;
  }

  /** The parsed document and its validation errors; throws what `parse` throws. */
  get(query: string): CheckedDocument {
    let checked = this.documents.get(query);
    if (!checked) {
      const document = this.o.parse(query);
      checked = { document, errors: this.o.validate(document) };
      if (query.length <= this.maxLength) this.documents.set(query, checked);
    }
    return checked;
  }
}
