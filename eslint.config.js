// `npm run lint` (with dependency-cruiser, .dependency-cruiser.cjs).
// ESLint's and typescript-eslint's recommended rules, without type information
// (fast enough for every commit). Rules that fire widely on this code base's
// deliberate style are turned off below, each with its reason.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'bench/results/', 'clients/generated/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        // Node 20 globals the code uses (no browser code here)
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        WebSocket: 'readonly',
      },
    },
    rules: {
      // a plugin's hooks are methods of other objects, so the plugin factory names its owner
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['metrics', 'self'] }],
      // `_`-prefixed names are the convention for a deliberately unused binding
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // tests and the benchmark read GraphQL responses whose shape the assertion itself checks
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
