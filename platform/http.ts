/**
 * Plain node:http plumbing shared by the subgraphs and the gateway: body
 * reading with a size limit, JSON answers, and running an Apollo Server for a
 * request without a framework (the gateway's; the subgraphs run their own
 * executor, executor.ts).
 */
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

export class BodyTooLarge extends Error {}

/**
 * Read a request body up to `limit` bytes (the one body reader of the
 * subgraphs and the gateway). Beyond it: BodyTooLarge, at once when
 * Content-Length says so; the rest of the body is drained (up to a bound) so
 * the client reads the 413 instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => {
      let drained = 0;
      req.removeAllListeners('data');
      req.on('data', (c: Buffer) => {
        drained += c.length;
        if (drained > 4 * limit + 1_000_000) req.destroy();
      });
      req.resume();
      reject(new BodyTooLarge(`request body exceeds ${limit} bytes`));
    };
    if (Number.isFinite(declared) && declared > limit) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        tooLarge();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** Execute one HTTP request with Apollo Server and write its answer. */
export async function runApollo<C extends BaseContext>(
  server: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  rawBody: string,
  context: () => Promise<C>,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const headers = headerMapOf(req);
  let body: unknown = undefined;
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST' && rawBody) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      sendJson(res, 400, { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
  }
  const result = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context,
  });
  const out: Record<string, string> = { ...extraHeaders };
  for (const [k, v] of result.headers) out[k] = v;
  res.writeHead(result.status ?? 200, out);
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
  } else {
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

/** Listen, turning EADDRINUSE and friends into one clear error. */
export function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`${what}: port ${port} is already in use`));
      else if (err.code === 'EACCES') reject(new Error(`${what}: not allowed to listen on port ${port}`));
      else reject(new Error(`${what}: cannot listen on ${host}:${port} (${err.code ?? err.message})`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
