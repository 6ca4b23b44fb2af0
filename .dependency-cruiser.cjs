/**
 * The dependency rules `npm run lint` checks (dependency-cruiser). Layers, from
 * the bottom: platform/ (planned: no knowledge of GraphQL domains), then
 * subgraphs/kit/ (what every subgraph shares), then each subgraph
 * subgraphs/<name>/, and the gateway/ beside them. A module may import its own
 * layer or a lower one; circles are not allowed.
 *
 * KNOWN VIOLATIONS are listed below as explicit exceptions, each with what it
 * is. They exist today and a later redesign removes them: when it does, delete
 * the exception, and the rule then keeps them from coming back.
 */
const SUBGRAPH = '(users|catalog|orders|messaging|promotions)';

// KNOWN VIOLATION 1: kit/runtime.ts builds every subgraph (it imports each
// subgraphs/<name>/server.ts), while every subgraph imports the kit (and
// runtime.ts's SubgraphDeps/SubgraphFactory types): the kit depends on the
// subgraphs and they on it. Redesign: subgraphs register themselves with the
// runtime (or the entry points pass the factories in).
const KIT_RUNTIME = '^subgraphs/kit/runtime[.]ts$';

// KNOWN VIOLATION 2: each subgraph's resolvers.ts imports its context type
// from server.ts, which imports the resolvers (a type-only circle).
// Redesign: the context type moves to its own module (context.ts).
const RESOLVERS_TO_SERVER = `^subgraphs/${SUBGRAPH}/resolvers[.]ts$`;

// KNOWN VIOLATION 3: kit/server.ts imports the InternalRoutes type from
// kit/internal.ts, which imports the header names from kit/server.ts.
// Redesign: the header names move to a module of their own.
const KIT_INTERNAL = '^subgraphs/kit/internal[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No circle of imports that survive compilation (these decide load order); no exceptions.',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-types',
      comment: 'No circle through type imports either (a circle in the design); known violations 1-3 excepted.',
      severity: 'error',
      from: { pathNot: [KIT_RUNTIME, RESOLVERS_TO_SERVER, KIT_INTERNAL] },
      to: { circular: true, viaNot: [KIT_RUNTIME, RESOLVERS_TO_SERVER, KIT_INTERNAL] },
    },
    {
      name: 'kit-not-to-subgraphs',
      comment: 'The kit is below the subgraphs: it must not import a subgraph (a backwards import); known violation 1 excepted.',
      severity: 'error',
      from: { path: '^subgraphs/kit/', pathNot: KIT_RUNTIME },
      to: { path: `^subgraphs/${SUBGRAPH}/` },
    },
    {
      name: 'gateway-not-to-subgraph-domain',
      comment: "The gateway talks to subgraphs over HTTP; it may use the kit, never a subgraph's domain code.",
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: `^subgraphs/${SUBGRAPH}/` },
    },
    {
      name: 'subgraph-not-to-other-subgraph',
      comment: 'A subgraph reaches another through internal calls and events (docs/internal-api.md), never by importing its code.',
      severity: 'error',
      from: { path: `^subgraphs/${SUBGRAPH}/` },
      to: { path: `^subgraphs/${SUBGRAPH}/`, pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'subgraphs-not-to-gateway',
      comment: 'Subgraphs (and the kit) are below the gateway.',
      severity: 'error',
      from: { path: '^subgraphs/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'platform-not-up',
      comment: 'platform/ (planned) is the bottom layer: it must not import the gateway or the subgraphs.',
      severity: 'error',
      from: { path: '^platform/' },
      to: { path: '^(gateway|subgraphs)/' },
    },
    {
      name: 'server-not-to-tests-or-bench',
      comment: 'The server code must not import tests, the benchmark or dev scripts.',
      severity: 'error',
      from: { path: '^(main[.]ts$|gateway/|subgraphs/|platform/)' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'server-not-to-dev-dependencies',
      comment: 'The production image has no devDependencies (Dockerfile): the server code must not import one.',
      severity: 'error',
      from: { path: '^(main[.]ts$|gateway/|subgraphs/|platform/)', pathNot: '^subgraphs/kit/generate-migrations[.]ts$' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // type-only imports are part of the design (no-circular-types)
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
