/**
 * graphql-js as the gateway's own planner and executor load it (CommonJS).
 *
 * `import 'graphql'` from ESM source can resolve to graphql's `index.mjs`
 * (vite/vitest honour its "module" field) while @apollo/gateway and
 * @apollo/federation-internals `require` index.js: two realms, and
 * `validate()` of one refuses the schema of the other ("Cannot use
 * GraphQLObjectType from another module or realm"). Everything in
 * gateway/subscriptions that touches a schema or makes errors uses this one.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const graphql = require('graphql') as typeof import('graphql');

export const { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, getOperationAST, getVariableValues, parse, print, specifiedRules, validate, visit } =
  graphql;
export type GraphQLError = import('graphql').GraphQLError;
