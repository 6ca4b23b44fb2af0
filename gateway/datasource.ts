/**
 * How the gateway talks to a subgraph: the subgraph secret, the viewer's
 * token and the request id on every fetch; over pooled keep-alive
 * connections; each fetch bounded by SUBGRAPH_TIMEOUT_MS; never retried (a
 * mutation must not run twice, and a query is not worth the wait).
 *
 * A failed fetch becomes a GraphQL error for the part of the query that
 * subgraph owns, while the rest of the query still answers:
 * `SUBGRAPH_TIMEOUT` or `SUBGRAPH_UNAVAILABLE`, with `extensions.serviceName`.
 */
import http from 'node:http';
import https from 'node:https';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { createRequire } from 'node:module';

// graphql-js as @apollo/gateway loads it (CommonJS): its executor must recognise our errors
const { GraphQLError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
type GraphQLError = import('graphql').GraphQLError;
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER, SECRET_HEADER, TOKEN_REFUSED_HEADER } from '../platform/protocol.ts';
import type { GatewayContext } from './context.ts';
import type { GatewayMetrics } from './metrics.ts';

export interface SubgraphFetchOptions {
  /** Per-fetch timeout in ms (0: none). */
  timeoutMs: number;
  /** Share one in-flight fetch among identical queries (default false; SUBGRAPH_DEDUPLICATION). */
  deduplicate?: boolean;
  metrics?: GatewayMetrics;
  /** Shared keep-alive agents (one pool per gateway). */
  agents?: { http: http.Agent; https: https.Agent };
}

export function keepAliveAgents(): { http: http.Agent; https: https.Agent } {
  const o = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 128, maxFreeSockets: 32, scheduling: 'lifo' as const };
  return { http: new http.Agent(o), https: new https.Agent(o) };
}

interface CacheHint {
  maxAge: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/** A subgraph answer's Cache-Control as a cache hint, read as RemoteGraphQLDataSource reads it (none: maxAge 0). */
function cacheHint(header: string | undefined): CacheHint {
  const hint: CacheHint = { maxAge: 0 };
  for (const part of (header ?? '').split(',')) {
    const [k, v] = part.trim().split('=');
    if (k === 'max-age' && v && /^[0-9]+$/.test(v)) hint.maxAge = Number(v);
    else if (k === 'private') hint.scope = 'PRIVATE';
    else if (k === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}

class FetchFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'unavailable',
  ) {
    super(message);
  }
}

/** What a fetch brought back, kept so that every sharer of a de-duplicated fetch gets its own Response. */
interface Answer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer | null;
}

/**
 * Queries only: the body RemoteGraphQLDataSource sends starts with the
 * operation text, `{"query":"query …` or `{"query":"{…` (a mutation never).
 */
function isQueryBody(body: string | undefined): body is string {
  return typeof body === 'string' && (body.startsWith('{"query":"query') || body.startsWith('{"query":"{'));
}

/** A fetch over node:http with a keep-alive agent and a timeout covering the whole exchange. */
function pooledFetch(agents: { http: http.Agent; https: https.Agent }, timeoutMs: number) {
  return (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const mod = u.protocol === 'https:' ? https : http;
      const body = init.body ?? '';
      const headers = { ...(init.headers ?? {}), 'content-length': String(Buffer.byteLength(body)) };
      let timer: NodeJS.Timeout | undefined;
      const req = mod.request(u, { method: init.method ?? 'POST', headers, agent: u.protocol === 'https:' ? agents.https : agents.http }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: res.statusCode === 204 ? null : Buffer.concat(chunks) });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(new FetchFailure(e.message, 'unavailable'));
        });
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          req.destroy(new FetchFailure(`no answer within ${timeoutMs} ms`, 'timeout'));
        }, timeoutMs);
      }
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e instanceof FetchFailure ? e : new FetchFailure((e as NodeJS.ErrnoException).code ?? e.message, 'unavailable'));
      });
      req.end(body);
    });
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly metrics?: GatewayMetrics;

  constructor(
    readonly name: string,
    url: string,
    private readonly secret: string,
    opts: SubgraphFetchOptions = { timeoutMs: 5000 },
  ) {
    super({ url });
    const agents = opts.agents ?? keepAliveAgents();
    this.metrics = opts.metrics;
    const inner = pooledFetch(agents, opts.timeoutMs);
    const fetchOnce = async (u: string, init: never): Promise<Answer> => {
      const start = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
      try {
        const answer = await inner(u, init);
        const ok = answer.status >= 200 && answer.status < 300;
        this.metrics?.recordSubgraphFetch(name, seconds(), ok ? undefined : answer.status >= 500 ? 'unavailable' : 'http');
        return answer;
      } catch (err) {
        this.metrics?.recordSubgraphFetch(name, seconds(), err instanceof FetchFailure ? err.kind : 'unavailable');
        throw err;
      }
    };
    // identical queries in flight: key -> the one fetch they share
    const inFlight = new Map<string, Promise<Answer>>();
    this.fetchAnswer = (u, init) => {
      if (!opts.deduplicate || !isQueryBody(init.body)) return fetchOnce(u, init as never);
      const key = `${u}\n${init.headers.authorization ?? ''}\n${init.body}`;
      let shared = inFlight.get(key);
      if (!shared) inFlight.set(key, (shared = fetchOnce(u, init as never).finally(() => inFlight.delete(key))));
      return shared;
    };
  }

  private readonly fetchAnswer: (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Answer>;

  /**
   * One subgraph request, as RemoteGraphQLDataSource's `process` makes it
   * (the same JSON body, the same headers plus ours, failures as GraphQL
   * errors naming the subgraph, the answer's cache-control applied to the
   * operation's cache policy) but straight over the pooled
   * connection: no fetch `Headers`, `Request`, `Response` or body stream per
   * call. A de-duplicated answer is parsed by each sharer (each may change
   * its copy).
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    this.addHeaders(headers, options.context as Partial<GatewayContext>);
    // the body RemoteGraphQLDataSource sends: the query first (isQueryBody relies on it)
    const { http: _http, query, ...rest } = request;
    let answer: Answer;
    try {
      answer = await this.fetchAnswer(this.url!, { method: 'POST', headers, body: JSON.stringify({ query, ...rest }) });
    } catch (error) {
      this.didEncounterError(error as Error);
    }
    if (answer.status < 200 || answer.status >= 300) throw this.httpError(answer.status);
    const text = answer.body ? answer.body.toString('utf8') : '';
    const json = /^application\/(graphql-response\+)?json/.test(answer.headers['content-type'] ?? '');
    let body: unknown;
    try {
      body = json ? JSON.parse(text) : text;
    } catch (error) {
      this.didEncounterError(error as Error);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      this.didEncounterError(new Error(`Expected JSON response body, but received: ${text.slice(0, 100)}`));
    }
    if ('incomingRequestContext' in options) {
      const policy = options.incomingRequestContext.overallCachePolicy as { restrict?(hint: CacheHint): void } | undefined;
      if (policy?.restrict) policy.restrict(cacheHint(answer.headers['cache-control']));
    }
    return body as GatewayGraphQLResponse;
  }

  /** The subgraph secret, the viewer's token (or why it was refused), the request id and the client's address. */
  private addHeaders(headers: Record<string, string>, ctx: Partial<GatewayContext>): void {
    headers[SECRET_HEADER] = this.secret;
    if (ctx.viewer) headers.authorization = `Bearer ${ctx.viewer.token}`;
    // a refused token is never sent on (a subgraph that has not yet applied its revocation could
    // accept it): the subgraph is told the reason and makes the same guest
    else if (ctx.tokenReason) headers[TOKEN_REFUSED_HEADER] = ctx.tokenReason;
    if (ctx.requestId) headers[REQUEST_ID_HEADER] = ctx.requestId;
    if (ctx.clientIp) headers[CLIENT_IP_HEADER] = ctx.clientIp;
  }

  /** A non-2xx answer: the subgraph is unwell (5xx) or the gateway is misconfigured (4xx, e.g. a wrong secret). */
  private httpError(status: number): GraphQLError {
    if (status >= 500) {
      return new GraphQLError(`The ${this.name} service is unavailable.`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.name, status },
      });
    }
    return new GraphQLError(`The ${this.name} service refused the request (HTTP ${status}).`, {
      extensions: { code: 'SUBGRAPH_HTTP_ERROR', serviceName: this.name, status },
    });
  }

  override didEncounterError(error: Error): never {
    if (error instanceof GraphQLError) throw error;
    if (error instanceof FetchFailure && error.kind === 'timeout') {
      throw new GraphQLError(`The ${this.name} service did not answer in time.`, {
        extensions: { code: 'SUBGRAPH_TIMEOUT', serviceName: this.name },
        originalError: error,
      });
    }
    throw new GraphQLError(`The ${this.name} service is unavailable.`, {
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.name },
      originalError: error,
    });
  }
}
