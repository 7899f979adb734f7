import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const SERVICE_ENTRY_POINTS = ['@ordermesh/order', '@ordermesh/inventory', '@ordermesh/payment'];

export default [
  {
    ignores: ['**/node_modules', '**/dist', '**/.data', '**/generated/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // The services' entry points exist for the e2e project only; no-restricted-imports keeps everyone else out.
          allow: SERVICE_ENTRY_POINTS,
          depConstraints: [
            // Apps may use the testing lib from their tests only (no-restricted-imports below keeps it out of src/).
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing'],
            },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:testing', 'type:app'],
            },
            { sourceTag: 'scope:order', onlyDependOnLibsWithTags: ['scope:order', 'scope:shared'] },
            { sourceTag: 'scope:inventory', onlyDependOnLibsWithTags: ['scope:inventory', 'scope:shared'] },
            { sourceTag: 'scope:payment', onlyDependOnLibsWithTags: ['scope:payment', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // End-to-end tests drive the whole system: every service and the shared libs.
            {
              sourceTag: 'scope:e2e',
              onlyDependOnLibsWithTags: ['scope:order', 'scope:inventory', 'scope:payment', 'scope:shared'],
            },
          ],
        },
      ],
      // kafkajs belongs to the platform's kafka adapter and the embedded broker's own tests only.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'Import Kafka through @ordermesh/platform.' },
            { name: '@ordermesh/testing', message: 'The testing lib is for tests only.' },
            ...SERVICE_ENTRY_POINTS.map((name) => ({
              name,
              message: 'Services never import each other; only e2e tests do.',
            })),
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'kafkajs', message: 'Import Kafka through @ordermesh/platform.' }] },
      ],
    },
  },
  {
    files: ['**/cli.ts', '**/cli/**/*.ts', 'tools/**/*.ts', '**/bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  // kafkajs lives behind the platform's Kafka adapter; the embedded broker's own tests drive it as a real client.
  {
    files: [
      'libs/platform/src/kafka/**/*.ts',
      'libs/embedded-kafka/test/**/*.ts',
      'libs/embedded-kafka/bench/**/*.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
];
