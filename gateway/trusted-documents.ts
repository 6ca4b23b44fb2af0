/**
 * Trusted documents (TRUSTED_DOCUMENTS=path): a JSON file mapping the
 * lowercase hex sha256 of each operation document to the document, e.g. as
 * produced by a client's build. When set, the gateway runs only those:
 *
 * - a request with `extensions.persistedQuery.sha256Hash` runs that document
 *   (the `query` may be omitted; when given it must be that document);
 * - a request with only a `query` runs when that exact text is trusted;
 * - anything else is refused with `PERSISTED_QUERY_NOT_FOUND`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';

// graphql-js as @apollo/gateway loads it (CommonJS): its executor must recognise our errors
const { GraphQLError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
type GraphQLError = import('graphql').GraphQLError;
import { ConfigError } from '../platform/config.ts';

export class TrustedDocuments {
  constructor(private readonly byHash: Map<string, string>) {}

  static load(file: string): TrustedDocuments {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`TRUSTED_DOCUMENTS: cannot read ${file} as JSON (${(err as Error).message.split('\n')[0]})`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError('TRUSTED_DOCUMENTS must be a JSON object mapping sha256 hashes to documents');
    }
    const map = new Map<string, string>();
    for (const [hash, doc] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof doc !== 'string') throw new ConfigError(`TRUSTED_DOCUMENTS: the entry ${hash} is not a string`);
      const actual = sha256(doc);
      if (actual !== hash.toLowerCase()) throw new ConfigError(`TRUSTED_DOCUMENTS: the entry ${hash} is not the sha256 of its document (${actual})`);
      map.set(actual, doc);
    }
    return new TrustedDocuments(map);
  }

  /** The names of the operations in the trusted documents (the metrics' known operation labels). */
  operationNames(): Set<string> {
    const names = new Set<string>();
    for (const doc of this.byHash.values()) {
      for (const m of doc.matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)) names.add(m[1]);
    }
    return names;
  }

  get size(): number {
    return this.byHash.size;
  }

  /**
   * The document to run for a request, or a PERSISTED_QUERY_NOT_FOUND error.
   * Used for HTTP (before Apollo Server) and by the websocket path.
   */
  resolve(query: unknown, extensions: unknown): { query: string } | { error: GraphQLError } {
    const pq = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
    const hash = typeof pq?.sha256Hash === 'string' ? pq.sha256Hash.toLowerCase() : undefined;
    if (hash) {
      const doc = this.byHash.get(hash);
      if (doc && (query === undefined || query === null || query === doc)) return { query: doc };
    } else if (typeof query === 'string' && this.byHash.has(sha256(query))) {
      return { query };
    }
    return {
      error: new GraphQLError('Only trusted documents run here: send extensions.persistedQuery.sha256Hash of a known operation.', {
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
      }),
    };
  }
}

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** Rewrite a request to its trusted document, or say why it is refused. */
export function applyTrustedDocuments(trusted: TrustedDocuments, req: http.IncomingMessage, url: URL, body: string): { body: string } | { error: Error } {
  if (req.method === 'POST') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { body }; // Apollo answers the malformed body
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { body };
    const p = parsed as { query?: unknown; extensions?: Record<string, unknown> };
    const r = trusted.resolve(p.query, p.extensions);
    if ('error' in r) return r;
    const extensions = { ...(p.extensions ?? {}) };
    delete extensions.persistedQuery;
    return { body: JSON.stringify({ ...p, query: r.query, extensions }) };
  }
  if (req.method === 'GET' && (url.searchParams.has('query') || url.searchParams.has('extensions'))) {
    let extensions: Record<string, unknown> | undefined;
    try {
      extensions = url.searchParams.has('extensions') ? JSON.parse(url.searchParams.get('extensions')!) : undefined;
    } catch {
      extensions = undefined;
    }
    const r = trusted.resolve(url.searchParams.get('query') ?? undefined, extensions);
    if ('error' in r) return r;
    url.searchParams.set('query', r.query);
    if (extensions) {
      delete extensions.persistedQuery;
      url.searchParams.set('extensions', JSON.stringify(extensions));
    }
    req.url = url.pathname + url.search;
  }
  return { body };
}
