/**
 * The dependency rules `npm run lint` checks (dependency-cruiser). The layers,
 * from the bottom:
 *
 *   platform/    config, logging, database, errors, scalars, auth, http, the
 *                event bus, the subgraph server and protocol: no GraphQL domain,
 *                and no knowledge of the gateway or of any subgraph
 *   subgraphs/<name>/   one subgraph each; reaches another only over internal
 *                calls and events (docs/internal-api.md), never by import
 *   subgraphs/runtime.ts, subgraphs/main.ts   the registry of subgraphs and the
 *                entry of one subgraph's process
 *   gateway/     talks to subgraphs over HTTP and websockets only
 *   stack.ts, main.ts   the whole graph in one process (npm start, tests)
 *
 * A module may import its own layer or a lower one; no circles, not even of types.
 */
const SUBGRAPH = '(users|catalog|orders|messaging|promotions)';

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
      comment: 'No circle through type imports either (a circle in the design).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-not-up',
      comment: 'platform/ is the bottom layer: it must not import the gateway, the subgraphs or the entry points.',
      severity: 'error',
      from: { path: '^platform/' },
      to: { path: '^(gateway/|subgraphs/|stack[.]ts$|main[.]ts$)' },
    },
    {
      name: 'gateway-not-to-subgraphs',
      comment: 'The gateway talks to subgraphs over HTTP and websockets; it imports platform/, never subgraphs/.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^(subgraphs/|stack[.]ts$|main[.]ts$)' },
    },
    {
      name: 'subgraph-not-to-other-subgraph',
      comment: 'A subgraph reaches another through internal calls and events (docs/internal-api.md), never by importing its code.',
      severity: 'error',
      from: { path: `^subgraphs/${SUBGRAPH}/` },
      to: { path: `^subgraphs/${SUBGRAPH}/`, pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'subgraph-not-to-runtime',
      comment:
        'A subgraph declares itself (subgraph.ts) and is started by the registry; it does not import the registry, the gateway or the entry points (its index.ts, the entry of its own process, excepted).',
      severity: 'error',
      from: { path: `^subgraphs/${SUBGRAPH}/`, pathNot: `^subgraphs/${SUBGRAPH}/index[.]ts$` },
      to: { path: '^(subgraphs/(runtime|main|index)[.]ts$|gateway/|stack[.]ts$|main[.]ts$)' },
    },
    {
      name: 'server-not-to-tests-or-bench',
      comment: 'The server code must not import tests, the benchmark or dev scripts.',
      severity: 'error',
      from: { path: '^(main[.]ts$|stack[.]ts$|gateway/|subgraphs/|platform/)' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'server-not-to-dev-dependencies',
      comment: 'The production image has no devDependencies (Dockerfile): the server code must not import one.',
      severity: 'error',
      from: { path: '^(main[.]ts$|stack[.]ts$|gateway/|subgraphs/|platform/)' },
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
