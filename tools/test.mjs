// npm test: lint, typecheck, unit and integration tests of every project through Nx, against one embedded
// PostgreSQL cluster for the whole run. Ends with the line `N passed, N failed` and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, '.data/test-results');
const nx = path.join(root, 'node_modules/.bin/nx');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const checks = [];

function run(label, cmd, args, extraEnv = {}) {
  console.log(`\n=== ${label}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  return res.status === 0;
}

const projectsWith = (target) =>
  JSON.parse(
    spawnSync(nx, ['show', 'projects', '--with-target', target, '--json'], {
      cwd: root,
      env,
      encoding: 'utf8',
    }).stdout,
  );

// Lint and typecheck: one check per project and target, read back from Nx's per-project exit codes.
function runTargetPerProject(target) {
  for (const project of projectsWith(target)) {
    const ok = run(`${target} ${project}`, nx, [
      'run',
      `${project}:${target}`,
      '--outputStyle=stream',
      '--skipNxCache',
    ]);
    checks.push({ name: `${target} ${project}`, ok });
  }
}

const buildOk = run('build', process.execPath, [path.join(root, 'tools/build.mjs')]);
checks.push({ name: 'build', ok: buildOk });
checks.push({
  name: 'format (prettier --check)',
  ok: run('format', path.join(root, 'node_modules/.bin/prettier'), ['--check', '--log-level', 'warn', '.']),
});
runTargetPerProject('lint');
runTargetPerProject('typecheck');
run('unit tests', nx, ['run-many', '-t', 'test', '--outputStyle=stream', '--skipNxCache', '--parallel=2']);

// One PostgreSQL cluster for every integration suite of the run (each suite still gets fresh databases). Under
// ORDERMESH_TEST_INFRA=containers (npm run test:containers) each project's Jest global setup starts containers instead.
const useContainers = process.env.ORDERMESH_TEST_INFRA === 'containers';
const { startPostgresCluster } = await import(path.join(root, 'dist/libs/devstack/src/postgres-cluster.js'));
const port = await new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => resolve(p));
  });
});
const pgDir = mkdtempSync(path.join(os.tmpdir(), 'ordermesh-test-pg-'));
const cluster = useContainers
  ? null
  : await startPostgresCluster({
      dataDir: path.join(pgDir, 'data'),
      port,
      persistent: false,
      // The server's own log (connections terminated, shutdowns...), to read when an integration suite fails.
      onLog: (line) => appendFileSync(path.join(resultsDir, 'postgres.log'), `${line}\n`),
    });
// No broker here: this process blocks in spawnSync while the suites run, so a broker inside it could not answer.
// Each project's Jest global setup starts one for its suites (suites needing isolation start their own).
try {
  run(
    'integration tests',
    nx,
    ['run-many', '-t', 'int-test', '--outputStyle=stream', '--skipNxCache', '--parallel=1'],
    useContainers ? {} : { ORDERMESH_TEST_PG_URL: cluster.urlFor('postgres') },
  );
} finally {
  await cluster?.stop();
  rmSync(pgDir, { recursive: true, force: true });
}

// Chaos: the whole stack as separate processes under faults (kills, a broker restart, chaos toggles), then the
// invariant checker (npm run verify) over what it left. Exits non-zero on any violation.
checks.push({
  name: 'chaos (400 orders, kills, broker restart) + verify',
  ok: run('chaos', process.execPath, [
    path.join(root, 'dist/libs/devstack/src/cli/chaos.js'),
    ...['--orders', '400', '--rate', '80', '--kill', '--broker-restart', '--seed', '20261122'],
  ]),
});

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const c of checks) {
  if (c.ok) passed++;
  else {
    failed++;
    failures.push(c.name);
  }
}
const files = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith('.json')) : [];

for (const f of files) {
  const r = JSON.parse(readFileSync(path.join(resultsDir, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  if (r.failed)
    failures.push(
      `${f.replace(/\.json$/, '')}: ${r.failed} failed${r.failedSuites.length ? ` (${r.failedSuites.join(', ')})` : ''}`,
    );
}
// A Jest run that crashed before reporting leaves no file: count it as a failure rather than as nothing.
for (const [target, kind] of [
  ['test', 'unit'],
  ['int-test', 'int'],
]) {
  const expected = projectsWith(target).length;
  const got = files.filter((f) => f.endsWith(`-${kind}.json`)).length;
  if (got < expected) {
    failed += expected - got;
    failures.push(`${expected - got} ${target} project(s) produced no results`);
  }
}

console.log('\n=== summary');
for (const f of failures) console.log(`  FAILED ${f}`);
if (skipped) console.log(`  ${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
