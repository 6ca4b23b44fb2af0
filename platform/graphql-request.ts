/**
 * Reading one GraphQL request out of an HTTP request (POST body or GET query
 * string) for the subgraphs' executor (executor.ts), refused as Apollo Server
 * refused it: BAD_REQUEST with its message and status (400; 405 with `Allow`
 * for another method; 415 for a GET with another content type).
 */

export interface GraphQLHttpRequest {
  method: string;
  /** The request target's query string (`?query=…`), or ''. */
  search: string;
  /** The raw request body ('' for none). */
  body: string;
  contentType?: string;
}

export interface GraphQLParams {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/** A request refused before anything runs (BAD_REQUEST): its status, message and headers. */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const isRecord = (o: unknown): o is Record<string, unknown> => !!o && typeof o === 'object' && !Array.isArray(o);

/** The operation a request asks for, or RequestRefused. */
export function readParams(request: GraphQLHttpRequest): GraphQLParams {
  if (request.method === 'POST') return postParams(request.body);
  if (request.method === 'GET') return getParams(request.search, request.contentType);
  throw new RequestRefused(405, 'Only GET and POST requests are supported.', { allow: 'GET, POST' });
}

function postParams(raw: string): GraphQLParams {
  let body: unknown;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    throw new RequestRefused(400, 'The request body is not valid JSON.');
  }
  if (Array.isArray(body)) throw new RequestRefused(400, 'Operation batching disabled.');
  if (!isRecord(body) || Object.keys(body).length === 0) throw new RequestRefused(400, 'POST body missing, invalid Content-Type, or JSON object has no keys.');
  if (body.query && typeof body.query !== 'string') throw new RequestRefused(400, 'GraphQL queries must be strings.');
  for (const field of ['variables', 'extensions'] as const) {
    const v = body[field];
    if (typeof v === 'string')
      throw new RequestRefused(400, `\`${field}\` in a POST body should be provided as an object, not a recursively JSON-encoded string.`);
    if (v != null && !isRecord(v)) throw new RequestRefused(400, `\`${field}\` in a POST body must be an object if provided.`);
  }
  if (body.operationName != null && typeof body.operationName !== 'string')
    throw new RequestRefused(400, '`operationName` in a POST body must be a string if provided.');
  return body as GraphQLParams;
}

function getParams(search: string, contentType: string | undefined): GraphQLParams {
  if (contentType !== undefined && contentType.split(';')[0].trim().toLowerCase() !== 'application/json')
    throw new RequestRefused(415, 'GET requests may not have a content-type header other than application/json.');
  const params = new URLSearchParams(search);
  const once = (name: string) => {
    const values = params.getAll(name);
    if (values.length > 1) throw new RequestRefused(400, `The '${name}' search parameter may only be specified once.`);
    return values[0];
  };
  const record = (name: string) => {
    const text = once(name);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RequestRefused(400, `The ${name} search parameter contains invalid JSON.`);
    }
    if (!isRecord(value)) throw new RequestRefused(400, `The ${name} search parameter should contain a JSON-encoded object.`);
    return value;
  };
  return { query: once('query'), operationName: once('operationName'), variables: record('variables'), extensions: record('extensions') };
}
