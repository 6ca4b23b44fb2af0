import { readFileSync } from 'node:fs';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SCHEMA_FILE, apiSchemaSdl } from '../../scripts/api-schema.ts';
import { startTestStack, type TestStack } from '../helpers/stack.ts';

const normalized = (sdl: string) => printSchema(lexicographicSortSchema(buildSchema(sdl)));

describe('the committed API schema (schema/api.graphql) is what clients get', { timeout: 120_000 }, () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  });
  afterAll(() => t?.stop());

  it('matches the API schema of the committed supergraph (run `npm run schema:api` after `npm run compose`)', () => {
    expect(readFileSync(API_SCHEMA_FILE, 'utf8')).toBe(apiSchemaSdl());
  });

  it('is the schema the gateway answers introspection with, with no federation join types', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: getIntrospectionQuery() }),
    });
    const body = (await res.json()) as { data: IntrospectionQuery };
    const served = printSchema(lexicographicSortSchema(buildClientSchema(body.data)));
    const committed = readFileSync(API_SCHEMA_FILE, 'utf8');
    expect(normalized(committed)).toBe(served);
    expect(committed).not.toMatch(/join__|link__|@join|@link/);
  });
});
