// Shared Jest settings: SWC transpiles TypeScript (with decorator metadata for Nest DI) and
// rewrites @ordermesh/* aliases through .swcrc, so tests run the same module graph as the build.
const path = require('node:path');
const fs = require('node:fs');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const { paths } = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'tsconfig.base.json'), 'utf8'),
).compilerOptions;

const ESM_ONLY = ['content-disposition'];

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(paths)) {
  const key = '^' + alias.replace('/*', '/(.*)') + '$';
  moduleNameMapper[key] = path.join(__dirname, target.replace('/*', '/$1'));
}

/**
 * @param {string} projectDir
 * @param {'unit'|'int'} kind
 * @param {{ sharedInfra?: boolean }} [opts] sharedInfra: start (or reuse) the test run's PostgreSQL cluster and broker
 */
module.exports = function preset(projectDir, kind, opts = {}) {
  const name = path.relative(__dirname, projectDir).replace(/[\\/]/g, '-');
  return {
    rootDir: projectDir,
    displayName: `${name}:${kind}`,
    testEnvironment: 'node',
    transform: {
      '^.+\\.(ts|js)$': [
        '@swc/jest',
        { ...swcrc, jsc: { ...swcrc.jsc, baseUrl: __dirname }, sourceMaps: 'inline', swcrc: false },
      ],
    },
    moduleNameMapper,
    // ES-module-only dependencies that Jest 30 on Node 20 cannot require(): compile them to CommonJS.
    transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
    moduleFileExtensions: ['ts', 'js', 'json'],
    testMatch: kind === 'unit' ? ['<rootDir>/**/*.spec.ts'] : ['<rootDir>/**/*.int-spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    reporters: [
      'default',
      [
        path.join(__dirname, 'tools/jest-summary-reporter.js'),
        // npm test points each broker's half of the run at its own folder (ORDERMESH_TEST_RESULTS_DIR).
        {
          file: path.join(
            process.env.ORDERMESH_TEST_RESULTS_DIR || path.join(__dirname, '.data/test-results'),
            `${name}-${kind}.json`,
          ),
        },
      ],
    ],
    ...(kind === 'int' ? { testTimeout: 120_000, maxWorkers: 1 } : {}),
    ...(opts.sharedInfra
      ? {
          globalSetup: path.join(__dirname, 'libs/testing/src/jest/global-setup.ts'),
          globalTeardown: path.join(__dirname, 'libs/testing/src/jest/global-teardown.ts'),
        }
      : {}),
  };
};
