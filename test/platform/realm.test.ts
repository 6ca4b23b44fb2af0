import { createRequire } from 'node:module';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe('graphql under the tests', () => {
  it('is the one copy that the Apollo packages load, as in production', () => {
    expect(GraphQLError).toBe((require('graphql') as typeof import('graphql')).GraphQLError);
  });
});
