// npm test: lint, typecheck, unit and integration tests of every project through Nx, against one embedded
// PostgreSQL cluster for the whole run, then a chaos run. The integration suites and the chaos run meet the broker
// that --kafka names (default: ORDERMESH_KAFKA, else embedded); `--kafka both` (what CI runs) runs them on the
// embedded broker and again on Apache Kafka (JVM brokers from Maven-resolved jars). Ends with one line
// `N passed, N failed` counting every half, and exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
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
import { parseArgs } from 'node:util';

const USAGE = 'usage: npm test [-- --kafka embedded|apache|both]';
let kafka;
try {
  ({
    values: { kafka },
  } = parseArgs({
    options: { kafka: { type: 'string', default: process.env.ORDERMESH_KAFKA || 'embedded' } },
    strict: true,
  }));
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
if (!['embedded', 'apache', 'both'].includes(kafka)) {
  console.error(`--kafka must be embedded, apache or both (got "${kafka}")\n${USAGE}`);
  process.exit(2);
}
const halves = kafka === 'both' ? ['embedded', 'apache'] : [kafka];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsRoot = path.join(root, '.data/test-results');
const nx = path.join(root, 'node_modules/.bin/nx');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };

rmSync(resultsRoot, { recursive: true, force: true });
mkdirSync(resultsRoot, { recursive: true });
const checks = [];
const resultsDirOf = (half) => path.join(resultsRoot, half);

function run(label, cmd, args, extraEnv = {}) {
  console.log(`\n=== ${label}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  return res.status === 0;
}

// The integration suites run while this process hosts the PostgreSQL cluster's log pipe: it must keep reading it,
// or PostgreSQL blocks writing its log (the checkpointer first, then every DROP DATABASE waiting on a checkpoint).
function runAsync(label, cmd, args, extraEnv = {}) {
  console.log(`\n=== ${label}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
    child.once('exit', (code) => resolve(code === 0));
    child.once('error', () => resolve(false));
  });
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

// Broker-independent checks run once; their results count with the first half's.
const buildOk = run('build', process.execPath, [path.join(root, 'tools/build.mjs')]);
checks.push({ name: 'build', ok: buildOk });
checks.push({
  name: 'format (prettier --check)',
  ok: run('format', path.join(root, 'node_modules/.bin/prettier'), ['--check', '--log-level', 'warn', '.']),
});
runTargetPerProject('lint');
runTargetPerProject('typecheck');
run('unit tests', nx, ['run-many', '-t', 'test', '--outputStyle=stream', '--skipNxCache', '--parallel=2'], {
  ORDERMESH_TEST_RESULTS_DIR: resultsDirOf(halves[0]),
});

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
      onLog: (line) => appendFileSync(path.join(resultsRoot, 'postgres.log'), `${line}\n`),
    });

try {
  for (const half of halves) {
    const brokerEnv = { ORDERMESH_KAFKA: half, ORDERMESH_TEST_RESULTS_DIR: resultsDirOf(half) };
    const on = half === 'apache' ? ' on Apache Kafka' : '';
    // Each project's Jest global setup starts a broker for its suites (suites needing isolation start their own).
    await runAsync(
      `integration tests${on}`,
      nx,
      ['run-many', '-t', 'int-test', '--outputStyle=stream', '--skipNxCache', '--parallel=1'],
      useContainers ? brokerEnv : { ...brokerEnv, ORDERMESH_TEST_PG_URL: cluster.urlFor('postgres') },
    );
    // Chaos: the whole stack as separate processes under faults (kills, a broker restart, chaos toggles), then the
    // invariant checker (npm run verify) over what it left. Exits non-zero on any violation.
    checks.push({
      name: `chaos (400 orders, kills, broker restart) + verify${on}`,
      ok: await runAsync(
        `chaos${on}`,
        process.execPath,
        [
          path.join(root, 'dist/libs/devstack/src/cli/chaos.js'),
          ...['--orders', '400', '--rate', '80', '--kill', '--broker-restart', '--seed', '20261122'],
        ],
        { ORDERMESH_KAFKA: half },
      ),
    });
  }
} finally {
  await cluster?.stop();
  rmSync(pgDir, { recursive: true, force: true });
}

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
for (const half of halves) {
  const dir = resultsDirOf(half);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const f of files) {
    const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
    if (r.failed)
      failures.push(
        `[${half}] ${f.replace(/\.json$/, '')}: ${r.failed} failed${r.failedSuites.length ? ` (${r.failedSuites.join(', ')})` : ''}`,
      );
  }
  // A Jest run that crashed before reporting leaves no file: count it as a failure rather than as nothing.
  const targets =
    half === halves[0]
      ? [
          ['test', 'unit'],
          ['int-test', 'int'],
        ]
      : [['int-test', 'int']];
  for (const [target, kind] of targets) {
    const expected = projectsWith(target).length;
    const got = files.filter((f) => f.endsWith(`-${kind}.json`)).length;
    if (got < expected) {
      failed += expected - got;
      failures.push(`[${half}] ${expected - got} ${target} project(s) produced no results`);
    }
  }
  const count = (kind) => files.filter((f) => f.endsWith(`-${kind}.json`)).length;
  console.log(`  ${half}: results of ${count('unit')} unit and ${count('int')} integration project(s)`);
}

console.log('\n=== summary');
for (const f of failures) console.log(`  FAILED ${f}`);
if (skipped) console.log(`  ${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
