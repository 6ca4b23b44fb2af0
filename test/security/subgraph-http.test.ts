/**
 * What a caller of a subgraph's `/graphql` sees (the gateway, or a client
 * past it with the secret): GraphQL over HTTP with the status codes and error
 * codes Apollo Server gave (platform/executor.ts), the request id echoed, and
 * the secret checked whatever its length.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

let t: TestStack;
const logs: string[] = [];
beforeAll(async () => {
  t = await startTestStack({ logs });
}, 180_000);
afterAll(async () => {
  await t?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; locations?: unknown; extensions?: Record<string, unknown> }[] };
}

/** A raw request to the catalog subgraph, with the secret unless `headers` says otherwise. */
async function send(init: { method?: string; body?: string; search?: string; headers?: Record<string, string> }): Promise<Answer> {
  const res = await fetch(t.stack.urls.catalog + (init.search ?? ''), {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'x-subgraph-secret': t.stack.secret, ...init.headers },
    body: init.body,
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}
const post = (payload: unknown, headers?: Record<string, string>) => send({ body: JSON.stringify(payload), headers });
const codes = (a: Answer) => a.body.errors?.map((e) => e.extensions?.code);

describe('a subgraph called over HTTP', () => {
  it('answers a query with its data as JSON, with the request id it was sent', async () => {
    const a = await post({ query: '{ __typename categories { id } }' }, { 'x-request-id': 'req-subgraph-1' });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(a.headers.get('x-request-id')).toBe('req-subgraph-1');
    expect(a.body).toEqual({ data: { __typename: 'Query', categories: expect.any(Array) } });
  });

  it('refuses a body that is not one GraphQL request with BAD_REQUEST (400), the request id still answered', async () => {
    for (const body of [
      '{"query": ',
      '',
      '{}',
      '[{"query":"{ __typename }"}]',
      '{"query": 42}',
      '{"variables": {}}',
      '{"query": ""}',
      '{"query": "{ __typename }", "variables": "{}"}',
    ]) {
      const a = await send({ body, headers: { 'x-request-id': 'req-bad-body' } });
      expect(a.status, body).toBe(400);
      expect(codes(a), body).toEqual(['BAD_REQUEST']);
      expect(a.body.data, body).toBeUndefined();
      expect(a.headers.get('x-request-id'), body).toBe('req-bad-body');
    }
  });

  it('answers a syntax error with GRAPHQL_PARSE_FAILED (400) and where it is, the second time alike', async () => {
    for (let i = 0; i < 2; i++) {
      const a = await post({ query: '{ categories { id ' });
      expect(a.status).toBe(400);
      expect(a.body.errors).toEqual([
        { message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 19 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } },
      ]);
    }
  });

  it('answers every validation error with GRAPHQL_VALIDATION_FAILED (400), suggesting no names, the second time alike', async () => {
    for (let i = 0; i < 2; i++) {
      const a = await post({ query: '{ categorie { id } nope }' });
      expect(a.status).toBe(400);
      expect(codes(a)).toEqual(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
      expect(a.body.errors![0].message).toBe('Cannot query field "categorie" on type "Query".');
      expect(a.body.data).toBeUndefined();
    }
  });

  it('answers variables that do not fit their types with BAD_USER_INPUT (400) and no data', async () => {
    const query = 'query Find($sort: ProductSort, $first: Int) { searchProducts(sort: $sort, first: $first) { edges { node { id } } } }';
    for (const variables of [{ sort: 'RELEVANC' }, { first: 'ten' }]) {
      const a = await post({ query, variables });
      expect(a.status).toBe(400);
      expect(codes(a)).toEqual(['BAD_USER_INPUT']);
      expect(a.body.data).toBeUndefined();
    }
    const missing = await post({ query: 'query One($id: ID!) { product(id: $id) { id } }' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({ message: 'Variable "$id" of required type "ID!" was not provided.', extensions: { code: 'BAD_USER_INPUT' } }),
    ]);
  });

  it('runs the operation named, and answers a name the document lacks with OPERATION_RESOLUTION_FAILURE (400)', async () => {
    const query = 'query A { a: __typename } query B { b: __typename }';
    expect((await post({ query, operationName: 'B' })).body).toEqual({ data: { b: 'Query' } });
    for (const operationName of ['C', undefined]) {
      const a = await post({ query, operationName });
      expect(a.status).toBe(400);
      expect(codes(a)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    }
  });

  it('refuses text input with a NUL character with INVALID_INPUT before running anything', async () => {
    const a = await post({ query: 'query Q($q: String) { searchProducts(query: $q) { edges { node { id } } } }', variables: { q: 'a\u0000b' } });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ errors: [{ message: 'Text input must not contain NUL characters (U+0000): $q.', extensions: { code: 'INVALID_INPUT' } }] });
  });

  it('serves queries over GET, and refuses a mutation there (405) and other methods (405)', async () => {
    const q = (query: string) => `?query=${encodeURIComponent(query)}`;
    expect((await send({ method: 'GET', search: q('{ __typename }') })).body).toEqual({ data: { __typename: 'Query' } });
    const mutation = await send({ method: 'GET', search: q('mutation { createGuestCart { id } }') });
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');
    expect(codes(mutation)).toEqual(['BAD_REQUEST']);
    const put = await send({ method: 'PUT', body: '{"query":"{ __typename }"}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('says why a refused token cannot do what needs a viewer', async () => {
    const a = await post({ query: 'mutation { openStore(input: { name: "Nope" }) { store { id } } }' }, { authorization: 'Bearer not.a.token' });
    expect(a.status).toBe(200);
    expect(a.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' } })]);
  });

  it('hides an internal failure behind INTERNAL_SERVER_ERROR and logs it under the request id', async () => {
    const a = await post(
      { query: 'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } } }', variables: { r: [{ id: 'no-typename' }] } },
      { 'x-request-id': 'req-hidden-failure' },
    );
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ data: null, errors: [{ message: 'Internal server error', path: ['_entities'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    const logged = logs.map((l) => JSON.parse(l)).filter((l) => l.requestId === 'req-hidden-failure');
    expect(logged).toContainEqual(expect.objectContaining({ level: 'error', subgraph: 'catalog', msg: 'resolver error' }));
  });

  it('refuses a secret that is wrong in any way with 401 and nothing else', async () => {
    const s = t.stack.secret;
    for (const wrong of [
      s.slice(1),
      `${s}x`,
      `${s.slice(0, -1)}${s.endsWith('a') ? 'b' : 'a'}`,
      s.toUpperCase() === s ? s.toLowerCase() : s.toUpperCase(),
      '',
    ]) {
      const a = await post({ query: '{ __typename }' }, { 'x-subgraph-secret': wrong });
      expect(a.status).toBe(401);
      expect(a.body).toEqual({ errors: [{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }] });
    }
  });
});
