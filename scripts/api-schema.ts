/**
 * The API schema: what clients of the gateway see, derived from the committed
 * supergraph (schema/supergraph.graphql) without federation's join/link
 * machinery. `npm run schema:api` writes it to schema/api.graphql, the input
 * of the client type generation (codegen.ts, docs/client.md);
 * test/packaging/api-schema.test.ts checks that the committed file matches
 * both the supergraph and what the running gateway answers to introspection.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { lexicographicSortSchema, printSchema } from 'graphql';

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
export const SUPERGRAPH_FILE = join(schemaDir, 'supergraph.graphql');
export const API_SCHEMA_FILE = join(schemaDir, 'api.graphql');

const HEADER = "# The gateway's API schema, generated from supergraph.graphql by `npm run schema:api`. Do not edit.\n\n";

/** The API schema of a supergraph, printed in a stable (alphabetical) order. */
export function apiSchemaSdl(supergraphSdl: string = readFileSync(SUPERGRAPH_FILE, 'utf8')): string {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  return HEADER + printSchema(lexicographicSortSchema(api)) + '\n';
}
