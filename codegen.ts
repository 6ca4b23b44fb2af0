/**
 * `npm run codegen`: TypeScript types for client developers, generated from the
 * gateway's API schema (schema/api.graphql, written by `npm run schema:api`;
 * not the supergraph, whose join__/link__ machinery clients never see) and the
 * example operations under clients/operations/. Output:
 * clients/generated/types.ts (committed; regenerate after a schema change).
 * docs/client.md shows how to use them with Apollo Client.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  documents: ['clients/operations/**/*.graphql'],
  generates: {
    'clients/generated/types.ts': {
      plugins: ['typescript', 'typescript-operations'],
      config: {
        // DateTime travels as an ISO-8601 string (docs/client.md)
        scalars: { DateTime: { input: 'string', output: 'string' }, ID: { input: 'string', output: 'string' } },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        useTypeImports: true,
        skipTypename: false,
        nonOptionalTypename: true,
      },
    },
  },
};

export default config;
