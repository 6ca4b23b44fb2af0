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
import type { Fetcher } from '@apollo/utils.fetcher';
import { createRequire } from 'node:module';

// graphql-js as @apollo/gateway loads it (CommonJS): its executor must recognise our errors
const { GraphQLError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
type GraphQLError = import('graphql').GraphQLError;
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER, SECRET_HEADER } from '../subgraphs/kit/server.ts';
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
  headers: Headers;
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
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
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
    this.fetcher = (async (u: string, init: { headers?: Record<string, string>; body?: string }) => {
      let answer: Promise<Answer>;
      if (opts.deduplicate && isQueryBody(init.body)) {
        const key = `${u}\n${init.headers?.authorization ?? ''}\n${init.body}`;
        let shared = inFlight.get(key);
        if (!shared) inFlight.set(key, (shared = fetchOnce(u, init as never).finally(() => inFlight.delete(key))));
        answer = shared;
      } else {
        answer = fetchOnce(u, init as never);
      }
      const a = await answer;
      return new Response(a.body as unknown as BodyInit | null, { status: a.status, headers: a.headers });
    }) as unknown as Fetcher;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http!.headers;
    headers.set(SECRET_HEADER, this.secret);
    const ctx = context as Partial<GatewayContext>;
    if (ctx.viewer) headers.set('authorization', `Bearer ${ctx.viewer.token}`);
    if (ctx.requestId) headers.set(REQUEST_ID_HEADER, ctx.requestId);
    if (ctx.clientIp) headers.set(CLIENT_IP_HEADER, ctx.clientIp);
  }

  /** A non-2xx answer: the subgraph is unwell (5xx) or the gateway is misconfigured (4xx, e.g. a wrong secret). */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    if (response.status >= 500) {
      return new GraphQLError(`The ${this.name} service is unavailable.`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.name, status: response.status },
      });
    }
    return new GraphQLError(`The ${this.name} service refused the request (HTTP ${response.status}).`, {
      extensions: { code: 'SUBGRAPH_HTTP_ERROR', serviceName: this.name, status: response.status },
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
