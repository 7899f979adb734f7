import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { loadDevStackConfig } from '../config';
import { KAFKA_KINDS, KafkaKind } from '../kafka/kafka-broker';
import { freePort } from '../net';
import { workspaceRoot } from '../workspace';
import { hopBreakdown, startSpanSink } from './span-sink';
import { cpuByRole, cpuDelta, machineCpu, rssMbByRole } from './process-cpu';
import { pacedLoad } from './paced-load';

/**
 * `npm run bench`: the whole stack on this machine (embedded PostgreSQL and broker, three services as separate
 * processes, exactly as `npm start` runs them), POST /orders at a sustained load, then figures from the databases:
 * intake rate and latency, orders confirmed per second, placement→CONFIRMED latency, outbox commit→publish lag.
 * Prints human-readable lines and, last, one JSON object. Not a test. `--tracing off|none|otlp` measures the cost of
 * tracing (otlp exports every span to a local sink standing in for a collector). `--kafka embedded|apache` (default:
 * ORDERMESH_KAFKA) picks the broker; on Apache Kafka its JVM's CPU and memory are reported as a role of their own.
 */
/** off: no OpenTelemetry SDK; none: context propagated, nothing recorded (the default); otlp: every span exported. */
const TRACING_MODES = ['off', 'none', 'otlp'] as const;
type TracingMode = (typeof TRACING_MODES)[number];

interface Args {
  durationSec: number;
  connections: number;
  skus: number;
  tracing: TracingMode;
  /** Seconds of the same load before the measured window (JIT, pools, consumer groups warm up), then a drain. */
  warmupSec: number;
  /** Offered load in orders per second (0: as fast as the connections go), to measure latency below saturation. */
  rate: number;
  /** Load pg_stat_statements and print the statements that cost PostgreSQL the most time. */
  pgStats: boolean;
  /** Messaging off in every service: POST /orders and its commit only, no relay, no saga (the intake's own ceiling). */
  intakeOnly: boolean;
  /** The broker the stack runs on: --kafka, else ORDERMESH_KAFKA, else embedded. */
  kafka: KafkaKind;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    durationSec: 60,
    connections: 50,
    skus: 50,
    tracing: 'none',
    pgStats: false,
    intakeOnly: false,
    rate: 0,
    warmupSec: 10,
    kafka: loadDevStackConfig().kafka.kind,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], Number(argv[i + 1])];
    if (flag === '--tracing' && (TRACING_MODES as readonly string[]).includes(argv[i + 1] ?? '')) {
      args.tracing = argv[++i] as TracingMode;
      continue;
    }
    if (flag === '--kafka' && (KAFKA_KINDS as readonly string[]).includes(argv[i + 1] ?? '')) {
      args.kafka = argv[++i] as KafkaKind;
      continue;
    }
    if (flag === '--pg-stats') {
      args.pgStats = true;
      continue;
    }
    if (flag === '--intake-only') {
      args.intakeOnly = true;
      continue;
    }
    if (flag === '--duration' && value > 0) args.durationSec = value;
    else if (flag === '--connections' && value > 0) args.connections = value;
    else if (flag === '--skus' && value > 0) args.skus = value;
    else if (flag === '--rate' && value > 0) args.rate = value;
    else if (flag === '--warmup' && value >= 0) args.warmupSec = value;
    else throw new Error(`unknown or invalid argument ${flag}`);
    i++;
  }
  return args;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function waitUp(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (/ordermesh is up/.test(output())) return;
    if (child.exitCode !== null) throw new Error(`stack exited:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`stack not up:\n${output()}`);
}

function tracingEnv(mode: TracingMode, sinkUrl: string | null): Record<string, string> {
  if (mode === 'off') return { TRACING_ENABLED: 'false' };
  if (mode === 'none') return { TRACING_ENABLED: 'true', OTEL_TRACES_EXPORTER: 'none' };
  return { TRACING_ENABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl! };
}

const DATABASES = ['order', 'inventory', 'payment'] as const;

interface IntakeResult {
  total: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Waits until no order is PENDING (the saga drained). */
async function drained(orderUrl: string, timeoutMs: number): Promise<void> {
  await withClient(orderUrl, async (c) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM orders WHERE status = 'PENDING'`,
      );
      if (Number(rows[0]!.n) === 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the saga did not drain');
  });
}

async function closedLoopIntake(url: string, args: Args, body: () => string): Promise<IntakeResult> {
  const result = await autocannon({
    url,
    connections: args.connections,
    duration: args.durationSec,
    requests: [
      {
        method: 'POST',
        path: '/orders',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: body() }),
      },
    ],
  });
  return {
    total: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function pacedIntake(url: string, args: Args, body: (i: number) => string): Promise<IntakeResult> {
  const r = await pacedLoad({
    url,
    path: '/orders',
    rate: args.rate,
    durationSec: args.durationSec,
    maxSockets: Math.max(args.connections, 256),
    body,
  });
  return {
    total: r.ok + r.non2xx,
    rps: r.achievedRate,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

type CpuByRole = ReturnType<typeof cpuDelta>;

/** CPU per order placed, by process role, in all and in the kernel. */
function perOrder(cpu: CpuByRole, orders: number) {
  const per = (pick: (c: CpuByRole[string]) => number) =>
    Object.fromEntries(
      Object.entries(cpu).map(([role, c]) => [role, round1((pick(c) * 1000) / Math.max(1, orders))]),
    );
  return { cpuMsPerOrder: per((c) => c.totalSec), kernelCpuMsPerOrder: per((c) => c.kernelSec) };
}

function printCpu(
  heading: string,
  f: { cpuMsPerOrder: Record<string, number>; kernelCpuMsPerOrder: Record<string, number> },
): void {
  console.log(`${heading}, ms per order placed:`);
  const totalMs = Object.values(f.cpuMsPerOrder).reduce((a, b) => a + b, 0);
  for (const [role, ms] of Object.entries(f.cpuMsPerOrder).sort((a, b) => b[1] - a[1])) {
    const kernel = f.kernelCpuMsPerOrder[role] ?? 0;
    console.log(
      `  ${role.padEnd(18)} ${ms.toFixed(1).padStart(6)} ms  (${((100 * ms) / totalMs).toFixed(0).padStart(2)} %; in the kernel ${kernel.toFixed(1)} ms)`,
    );
  }
  console.log(`  ${'total'.padEnd(18)} ${totalMs.toFixed(1).padStart(6)} ms`);
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The statements PostgreSQL spent the most time on (planning + execution), per order placed. */
async function printStatementCosts(pgUrl: (db: string) => string, orders: number): Promise<void> {
  const rows: { db: string; query: string; calls: number; planMs: number; execMs: number }[] = [];
  for (const db of DATABASES) {
    await withClient(pgUrl(db), async (c) => {
      const r = await c.query<{ query: string; calls: string; plan: number; exec: number }>(
        `SELECT s.query, s.calls, s.total_plan_time AS plan, s.total_exec_time AS exec
           FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
          WHERE d.datname = current_database()`,
      );
      for (const x of r.rows) {
        rows.push({ db, query: x.query, calls: Number(x.calls), planMs: x.plan, execMs: x.exec });
      }
    });
  }
  rows.sort((a, b) => b.planMs + b.execMs - (a.planMs + a.execMs));
  const total = rows.reduce((a, r) => a + r.planMs + r.execMs, 0);
  console.log(
    `PostgreSQL statement time (plan + execute; excludes parse and protocol): ${((1000 * total) / orders).toFixed(0)} µs per order; top statements:`,
  );
  for (const r of rows.slice(0, 15)) {
    const us = (ms: number) => ((1000 * ms) / orders).toFixed(0).padStart(4);
    console.log(
      `  ${r.db.padEnd(9)} ${(r.calls / orders).toFixed(2).padStart(5)} calls/order  plan ${us(r.planMs)} µs  exec ${us(r.execMs)} µs  ${r.query.replace(/\s+/g, ' ').slice(0, 110)}`,
    );
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sink = args.tracing === 'otlp' ? await startSpanSink() : null;
  const root = workspaceRoot();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordermesh-bench-'));
  const ports = {
    order: await freePort(),
    inventory: await freePort(),
    payment: await freePort(),
    pg: await freePort(),
    kafka: await freePort(),
    kafkaController: await freePort(),
  };
  const stack = spawn(process.execPath, [path.join(root, 'dist/libs/devstack/src/cli/start.js')], {
    cwd: root,
    env: {
      ...process.env,
      ORDERMESH_DATA_DIR: dataDir,
      ORDERMESH_PG_PORT: String(ports.pg),
      ORDERMESH_KAFKA: args.kafka,
      KAFKA_PORT: String(ports.kafka),
      KAFKA_CONTROLLER_PORT: String(ports.kafkaController),
      ORDER_PORT: String(ports.order),
      INVENTORY_PORT: String(ports.inventory),
      PAYMENT_PORT: String(ports.payment),
      LOG_LEVEL: 'warn',
      ...(args.intakeOnly ? { MESSAGING_ENABLED: 'false' } : {}),
      ...(args.pgStats
        ? {
            ORDERMESH_PG_SETTINGS:
              'shared_preload_libraries=pg_stat_statements pg_stat_statements.track_planning=on',
          }
        : {}),
      ...tracingEnv(args.tracing, sink?.url ?? null),
    },
  });
  let out = '';
  stack.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  stack.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitUp(stack, () => out);
    const pgUrl = (db: string) => `postgresql://postgres:postgres@127.0.0.1:${ports.pg}/${db}`;
    const skus = Array.from({ length: args.skus }, (_, i) => `BENCH-${i}`);
    for (const sku of skus) {
      const res = await fetch(`http://127.0.0.1:${ports.inventory}/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku, name: sku, unitPrice: 100, currency: 'EUR', initialStock: 100_000_000 }),
      });
      if (res.status !== 201) throw new Error(`seeding ${sku}: ${res.status}`);
    }
    console.log(
      `stack up on the ${args.kafka} broker; ${skus.length} products seeded; ${args.connections} connections for ${args.durationSec}s` +
        (args.rate ? `, offering ${args.rate} orders/s` : ', as fast as they go'),
    );

    const orderBody = (i: number) => {
      const items = [
        { sku: skus[i % skus.length]!, quantity: 1 },
        { sku: skus[(i * 7 + 1) % skus.length]!, quantity: 2 },
      ];
      if (items[0]!.sku === items[1]!.sku) items.pop();
      return JSON.stringify({ customerId: randomUUID(), items });
    };
    const pgUrlFor = pgUrl;
    const load = (a: Args) =>
      a.rate
        ? pacedIntake(`http://127.0.0.1:${ports.order}`, a, orderBody)
        : closedLoopIntake(`http://127.0.0.1:${ports.order}`, a, () => orderBody(++n));
    let n = 0;
    if (args.warmupSec > 0) {
      await load({ ...args, durationSec: args.warmupSec });
      if (!args.intakeOnly) await drained(pgUrlFor('order'), 120_000);
      for (const db of DATABASES) await withClient(pgUrl(db), (c) => c.query('SELECT pg_stat_reset()'));
      console.log(`warmed up for ${args.warmupSec}s (not measured)`);
    }
    if (args.pgStats) {
      for (const db of DATABASES) {
        await withClient(pgUrl(db), async (c) => {
          await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
          await c.query('SELECT pg_stat_statements_reset()');
        });
      }
    }
    const cpuBefore = cpuByRole(stack.pid!);
    const machineBefore = machineCpu();
    const benchCpuBefore = process.cpuUsage();
    const started = Date.now();
    // Closed loop (as fast as the connections go: the throughput ceiling, latency is queueing) or open loop at a
    // fixed, evenly paced rate (latency below saturation).
    const intake = await load(args);
    const loadEnded = Date.now();
    console.log(
      `intake: ${intake.rps} req/s, p50 ${intake.p50} ms, p99 ${intake.p99} ms, non-2xx ${intake.non2xx}, errors ${intake.errors}`,
    );
    const intakeFigures = {
      durationSec: args.durationSec,
      connections: args.connections,
      offeredRate: args.rate || null,
      ordersPlaced: intake.total,
      intakeRps: intake.rps,
      intakeP50Ms: intake.p50,
      intakeP99Ms: intake.p99,
      non2xx: intake.non2xx,
    };
    // On Apache Kafka the supervisor hosts no broker: the JVM is a role of its own.
    const supervisorRole = <T>(byRole: Record<string, T>): Record<string, T> =>
      args.kafka === 'apache'
        ? Object.fromEntries(
            Object.entries(byRole).map(([role, v]) => [
              role === 'supervisor+broker' ? 'supervisor' : role,
              v,
            ]),
          )
        : byRole;
    const cpuSince = () => {
      const cpu = supervisorRole(cpuDelta(cpuBefore, cpuByRole(stack.pid!)));
      const benchCpu = process.cpuUsage(benchCpuBefore);
      cpu['bench client'] = {
        totalSec: (benchCpu.user + benchCpu.system) / 1e6,
        kernelSec: benchCpu.system / 1e6,
      };
      const machineAfter = machineCpu();
      return {
        cpu,
        rssMb: supervisorRole(rssMbByRole(stack.pid!)),
        wallSec: (Date.now() - started) / 1000,
        busyPct: Math.round(
          (100 * (machineAfter.busySec - machineBefore.busySec)) /
            Math.max(0.01, machineAfter.totalSec - machineBefore.totalSec),
        ),
      };
    };
    if (args.intakeOnly) {
      const used = cpuSince();
      const figures = {
        mode: 'intake-only',
        kafka: args.kafka,
        ...intakeFigures,
        ...perOrder(used.cpu, intake.total),
        machineBusyPct: used.busyPct,
        rssMbByRole: used.rssMb,
      };
      printCpu(
        `CPU during the load (${used.wallSec.toFixed(0)} s wall, machine ${used.busyPct} % busy)`,
        figures,
      );
      if (args.pgStats) await printStatementCosts(pgUrl, intake.total);
      console.log(JSON.stringify(figures));
      return;
    }

    // Let the saga drain, then read the outcome from the order database.
    const order = new Client({ connectionString: pgUrl('order') });
    await order.connect();
    let pending = Infinity;
    const drainDeadline = Date.now() + 120_000;
    while (Date.now() < drainDeadline) {
      pending = Number(
        (await order.query(`SELECT count(*) AS n FROM orders WHERE status = 'PENDING'`)).rows[0].n,
      );
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // CPU from the first request until the saga drained, per process role: where an order's cost lands.
    const { cpu, wallSec, busyPct, rssMb } = cpuSince();
    const confirmed = await order.query<{ created: Date; updated: Date }>(
      `SELECT created_at AS created, updated_at AS updated FROM orders WHERE status = 'CONFIRMED' AND created_at >= $1`,
      [new Date(started)],
    );
    const e2e = confirmed.rows.map((r) => r.updated.getTime() - r.created.getTime()).sort((a, b) => a - b);
    // The measured window's two halves, by placement (or outbox insert) time: a figure that drifts between them is
    // not a steady state (tables and indexes grow during a run, autovacuum comes by once a minute at most).
    const midpoint = started + (loadEnded - started) / 2;
    const e2eHalves: [number[], number[]] = [[], []];
    for (const r of confirmed.rows) {
      e2eHalves[r.created.getTime() < midpoint ? 0 : 1].push(r.updated.getTime() - r.created.getTime());
    }
    const lagHalves: [number[], number[]] = [[], []];
    const lastConfirmed = Math.max(...confirmed.rows.map((r) => r.updated.getTime()));
    const confirmedPerSec = confirmed.rows.length / ((lastConfirmed - started) / 1000);
    const lags: number[] = [];
    // From the event's occurredAt (when the reaction raised it, before the rest of its run and the commit) instead.
    const eventLags: number[] = [];
    // Where transactions fought: deadlocks (each costs deadlock_timeout, then a rollback and a retry) and rollbacks.
    const contention: Record<string, { deadlocks: number; rollbacks: number; commits: number }> = {};
    const batching: Record<string, { messages: number; transactions: number }> = {};
    for (const db of DATABASES) {
      const c = new Client({ connectionString: pgUrl(db) });
      await c.connect();
      // created_at is the outbox insert, the last write before the commit; published_at the relay's mark after the
      // broker's acknowledgement.
      const rows = await c.query<{ lag: number; event_lag: number; created_at: Date }>(
        `SELECT created_at, extract(epoch FROM (published_at - created_at)) * 1000 AS lag,
                extract(epoch FROM (published_at - (headers->>'occurredAt')::timestamptz)) * 1000 AS event_lag
           FROM outbox
          WHERE published_at IS NOT NULL AND created_at >= $1`,
        [new Date(started)],
      );
      lags.push(...rows.rows.map((r) => Number(r.lag)));
      eventLags.push(...rows.rows.map((r) => Number(r.event_lag)));
      for (const r of rows.rows) lagHalves[r.created_at.getTime() < midpoint ? 0 : 1].push(Number(r.lag));
      const stats = await c.query<{ deadlocks: string; rollbacks: string; commits: string }>(
        `SELECT deadlocks, xact_rollback AS rollbacks, xact_commit AS commits
           FROM pg_stat_database WHERE datname = current_database()`,
      );
      // Messages a consumer handled in one transaction share its start time (processed_at = now()).
      const runs = await c.query<{ messages: string; transactions: string }>(
        `SELECT sum(n) AS messages, count(*) AS transactions
           FROM (SELECT count(*) AS n FROM processed_messages WHERE processed_at >= $1 GROUP BY processed_at) t`,
        [new Date(started)],
      );
      batching[db] = {
        messages: Number(runs.rows[0]!.messages ?? 0),
        transactions: Number(runs.rows[0]!.transactions ?? 0),
      };
      contention[db] = {
        deadlocks: Number(stats.rows[0]!.deadlocks),
        rollbacks: Number(stats.rows[0]!.rollbacks),
        commits: Number(stats.rows[0]!.commits),
      };
      await c.end();
    }
    lags.sort((a, b) => a - b);
    eventLags.sort((a, b) => a - b);
    for (const half of [...e2eHalves, ...lagHalves]) half.sort((a, b) => a - b);
    const halfFigures = (values: number[]) => ({
      p50: Math.round(percentile(values, 50)),
      p99: Math.round(percentile(values, 99)),
    });
    await order.end();
    const figures = {
      kafka: args.kafka,
      tracing: args.tracing,
      spanBytesExported: sink?.bytes() ?? 0,
      ...intakeFigures,
      confirmed: confirmed.rows.length,
      stillPending: pending,
      confirmedPerSec: Math.round(confirmedPerSec),
      drainSec: Math.round((lastConfirmed - loadEnded) / 100) / 10,
      e2eP50Ms: Math.round(percentile(e2e, 50)),
      e2eP99Ms: Math.round(percentile(e2e, 99)),
      outboxLagP50Ms: Math.round(percentile(lags, 50)),
      outboxLagP99Ms: Math.round(percentile(lags, 99)),
      eventToPublishP50Ms: Math.round(percentile(eventLags, 50)),
      eventToPublishP99Ms: Math.round(percentile(eventLags, 99)),
      halves: {
        e2eMs: e2eHalves.map(halfFigures),
        outboxLagMs: lagHalves.map(halfFigures),
      },
      contention,
      batching,
      ...perOrder(cpu, intake.total),
      machineBusyPct: busyPct,
      rssMbByRole: rssMb,
    };
    console.log(
      `confirmed: ${figures.confirmed} (${figures.confirmedPerSec}/s), placement→CONFIRMED p50 ${figures.e2eP50Ms} ms, p99 ${figures.e2eP99Ms} ms`,
    );
    console.log(
      `outbox commit→publish lag: p50 ${figures.outboxLagP50Ms} ms, p99 ${figures.outboxLagP99Ms} ms` +
        ` (from the event's occurredAt: p50 ${figures.eventToPublishP50Ms} ms, p99 ${figures.eventToPublishP99Ms} ms)`,
    );
    const [e1, e2h] = [figures.halves.e2eMs[0]!, figures.halves.e2eMs[1]!];
    const [l1, l2] = [figures.halves.outboxLagMs[0]!, figures.halves.outboxLagMs[1]!];
    console.log(
      `first half / second half of the window: placement→CONFIRMED p50 ${e1.p50} / ${e2h.p50} ms, p99 ${e1.p99} / ${e2h.p99} ms;` +
        ` outbox lag p50 ${l1.p50} / ${l2.p50} ms, p99 ${l1.p99} / ${l2.p99} ms`,
    );
    for (const [db, c] of Object.entries(contention)) {
      const b = batching[db]!;
      console.log(
        `${db}: ${c.commits} commits, ${c.rollbacks} rollbacks, ${c.deadlocks} deadlocks; consumed ${b.messages} events in ${b.transactions} transactions (${(b.messages / Math.max(1, b.transactions)).toFixed(1)} per transaction)`,
      );
    }
    printCpu(
      `CPU from the first request to the drained saga (${wallSec.toFixed(0)} s wall, machine ${busyPct} % busy)`,
      figures,
    );
    console.log(
      `memory (RSS) at the end: ${Object.entries(rssMb)
        .map(([role, mb]) => `${role} ${mb} MiB`)
        .join(', ')}`,
    );
    if (args.pgStats) await printStatementCosts(pgUrl, intake.total);
    if (sink) {
      // Spans leave the services in batches every few seconds; wait for the last ones.
      await new Promise((r) => setTimeout(r, 6_000));
      console.log('\nwhere an event spends its time (ms, p50 / p99): outbox → delivery → handling');
      for (const h of hopBreakdown(sink.spans())) {
        console.log(
          `  ${h.hop.padEnd(46)} n=${String(h.count).padStart(6)}  outbox ${h.outboxP50Ms} / ${h.outboxP99Ms}  delivery ${h.deliveryP50Ms} / ${h.deliveryP99Ms}  handling ${h.handleP50Ms} / ${h.handleP99Ms}`,
        );
      }
    }
    console.log(JSON.stringify(figures));
  } finally {
    stack.kill('SIGINT');
    await new Promise((r) => stack.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    sink?.close();
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
