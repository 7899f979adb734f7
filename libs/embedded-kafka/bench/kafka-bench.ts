// Throughput/latency/CPU benchmark of the embedded broker with kafkajs as the client.
// Run: `npm run bench:kafka [-- --messages 200000 --value-bytes 1024 --batch 100 --concurrency 8 --partitions 4]`
// `--kafka apache` (or ORDERMESH_KAFKA=apache) runs the same load against Apache Kafka on the JVM, started through
// the dev stack's CLI as a child process, and measures the JVM's CPU and memory the same way.
// Add `--broker host:port` to point the same load at an already running broker (then broker CPU
// is not measured), `--broker-cpu-prof DIR` to write a V8 CPU profile of the broker process there. The broker runs as a child process (the built CLI) so its CPU time is read
// from /proc/<pid>/stat independently of the client's. The last line printed is one JSON object.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, Message } from 'kafkajs';
import { encodeRecordBatch, RawClient } from '../test/helpers/raw-protocol';

interface Args {
  messages: number;
  valueBytes: number;
  batch: number;
  concurrency: number;
  partitions: number;
  broker: string | null;
  brokerCpuProf: string | null;
  kafka: 'embedded' | 'apache';
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  return {
    messages: num('messages', 200_000),
    valueBytes: num('value-bytes', 1024),
    batch: num('batch', 100),
    concurrency: num('concurrency', 8),
    partitions: num('partitions', 4),
    broker: get('broker') ?? null,
    brokerCpuProf: get('broker-cpu-prof') ?? null,
    kafka: kafkaKind(get('kafka') ?? process.env['ORDERMESH_KAFKA']),
  };
}

function kafkaKind(raw: string | undefined): 'embedded' | 'apache' {
  if (raw === undefined || raw === '' || raw === 'embedded') return 'embedded';
  if (raw === 'apache') return 'apache';
  throw new Error(`--kafka (or ORDERMESH_KAFKA) must be embedded or apache, got ${raw}`);
}

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

/** Resident memory of a process in MiB, from /proc (Linux only). */
function procRssMb(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Math.round((Number(rest[21]) * 4096) / (1024 * 1024));
}

/** utime+stime of a process in seconds, from /proc (Linux only). */
function procCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based)
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

const clientCpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/**
 * The broker under test as a child process: the embedded broker's CLI, or the dev stack's Apache Kafka CLI (which
 * runs the JVM as its own child and prints its pid: that pid is the broker whose CPU and memory are read).
 */
async function startBrokerProcess(
  kind: 'embedded' | 'apache',
  dataDir: string,
  partitions: number,
  cpuProfDir: string | null,
): Promise<{ proc: ChildProcess; address: string; pid: number }> {
  const cli =
    kind === 'apache'
      ? path.join(__dirname, '../../devstack/src/cli/apache-kafka.js')
      : path.join(__dirname, '../src/cli.js');
  if (!fs.existsSync(cli)) throw new Error(`broker CLI not built at ${cli} (run: node tools/build.mjs)`);
  const nodeArgs =
    cpuProfDir && kind === 'embedded' ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfDir)] : [];
  const cliArgs =
    kind === 'apache'
      ? ['--port', '0', '--data-dir', dataDir, '--partitions', String(partitions)]
      : ['serve', '--port', '0', '--data-dir', dataDir, '--partitions', String(partitions)];
  const proc = spawn(process.execPath, [...nodeArgs, cli, ...cliArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`broker did not print its listening line in 60 s: ${out}`)),
      60_000,
    );
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+?):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`${m[1]}:${m[2]}`);
      }
    });
    proc.once('exit', (code) => reject(new Error(`broker exited early with ${code}: ${out}`)));
  });
  proc.stdout!.resume();
  const jvm = /jvm pid (\d+)/.exec(out);
  return { proc, address, pid: jvm ? Number(jvm[1]) : proc.pid! };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ekafka-bench-'));
  let broker: { proc: ChildProcess; address: string; pid: number } | null = null;
  try {
    if (!args.broker)
      broker = await startBrokerProcess(args.kafka, dataDir, args.partitions, args.brokerCpuProf);
    const address = args.broker ?? broker!.address;
    const brokerPid = broker?.pid ?? null;
    const cpuModel = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
    console.log(`machine: ${os.cpus().length} CPUs (${cpuModel}), node ${process.version}`);
    console.log(
      `broker: ${address}${brokerPid ? ` (${args.kafka === 'apache' ? 'Apache Kafka, JVM' : 'embedded'} pid ${brokerPid})` : ' (external)'}; ` +
        `${args.messages} messages × ${args.valueBytes} B, ${args.batch} per send, ${args.concurrency} sends in flight, ${args.partitions} partitions, acks=-1`,
    );

    const kafka = new Kafka({ clientId: 'kafka-bench', brokers: [address], logLevel: logLevel.NOTHING });
    const topic = `bench-${Date.now().toString(36)}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: args.partitions }], waitForLeaders: true });

    const value = Buffer.alloc(args.valueBytes, 'x');
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // warm-up (JIT, connections, metadata); not counted
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: args.batch }, (_, i) => ({
        key: `warm-${i}`,
        value,
        partition: i % args.partitions,
      })),
    });

    // ---- produce
    const sends = Math.ceil(args.messages / args.batch);
    const latencies: number[] = [];
    let nextSend = 0;
    const brokerCpu0 = brokerPid ? procCpuSeconds(brokerPid) : 0;
    const client0 = process.cpuUsage();
    const tp0 = performance.now();
    const worker = async (): Promise<void> => {
      while (nextSend < sends) {
        const s = nextSend++;
        const n = Math.min(args.batch, args.messages - s * args.batch);
        const partition = s % args.partitions;
        const messages: Message[] = new Array(n);
        for (let i = 0; i < n; i++) messages[i] = { key: `k${s * args.batch + i}`, value, partition };
        const t = performance.now();
        await producer.send({ topic, acks: -1, messages });
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: args.concurrency }, () => worker()));
    const produceSec = (performance.now() - tp0) / 1000;
    const produceClientCpu = clientCpuSeconds(process.cpuUsage(client0));
    const produceBrokerCpu = brokerPid ? procCpuSeconds(brokerPid) - brokerCpu0 : 0;
    await producer.disconnect();

    const offsets = await admin.fetchTopicOffsets(topic);
    const stored = offsets.reduce((n, o) => n + Number(o.high), 0) - args.batch; // minus warm-up
    if (stored !== args.messages)
      throw new Error(`broker holds ${stored} messages, expected ${args.messages}`);

    latencies.sort((a, b) => a - b);
    const produceMsgsPerSec = args.messages / produceSec;
    const produceMBps = (args.messages * args.valueBytes) / produceSec / 1e6;
    console.log(
      `produce: ${args.messages} msgs in ${produceSec.toFixed(2)} s = ${Math.round(produceMsgsPerSec)} msgs/s, ${produceMBps.toFixed(1)} MB/s; ` +
        `send latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms`,
    );
    console.log(
      `produce CPU: broker ${produceBrokerCpu.toFixed(2)} s, client ${produceClientCpu.toFixed(2)} s`,
    );

    // ---- consume
    const total = args.messages + args.batch;
    const consumer = kafka.consumer({
      groupId: `${topic}-group`,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let consumed = 0;
    let consumedBytes = 0;
    const tRun = performance.now();
    let tc0 = 0;
    let brokerCpu1 = 0;
    let client1: NodeJS.CpuUsage = process.cpuUsage();
    const done = new Promise<number>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          if (tc0 === 0) {
            // start the clock at the first delivered batch: group join time is not throughput
            tc0 = performance.now();
            brokerCpu1 = brokerPid ? procCpuSeconds(brokerPid) : 0;
            client1 = process.cpuUsage();
          }
          consumed += batch.messages.length;
          for (const m of batch.messages) consumedBytes += m.value?.length ?? 0;
          if (consumed >= total) resolve(performance.now());
        },
      });
    });
    let consumeTimer: NodeJS.Timeout | undefined;
    const tc1 = await Promise.race([
      done,
      new Promise<number>((_, reject) => {
        consumeTimer = setTimeout(
          () => reject(new Error(`consume timed out at ${consumed}/${total}`)),
          300_000,
        );
      }),
    ]).finally(() => clearTimeout(consumeTimer));
    const consumeSec = (tc1 - tc0) / 1000;
    const consumeClientCpu = clientCpuSeconds(process.cpuUsage(client1));
    const consumeBrokerCpu = brokerPid ? procCpuSeconds(brokerPid) - brokerCpu1 : 0;
    await consumer.disconnect();
    const consumeMsgsPerSec = total / consumeSec;
    const consumeMBps = consumedBytes / consumeSec / 1e6;
    const withJoinSec = (tc1 - tRun) / 1000;
    console.log(
      `consume: ${total} msgs in ${consumeSec.toFixed(2)} s from the first batch = ${Math.round(consumeMsgsPerSec)} msgs/s, ${consumeMBps.toFixed(1)} MB/s ` +
        `(${withJoinSec.toFixed(2)} s = ${Math.round(total / withJoinSec)} msgs/s counting the group join)`,
    );
    console.log(
      `consume CPU: broker ${consumeBrokerCpu.toFixed(2)} s, client ${consumeClientCpu.toFixed(2)} s`,
    );

    // ---- broker-only produce: the same load with pre-encoded batches over a minimal raw client,
    // so the client costs next to nothing and the broker's own ceiling shows.
    const rawTopic = `${topic}-raw`;
    await admin.createTopics({
      topics: [{ topic: rawTopic, numPartitions: args.partitions }],
      waitForLeaders: true,
    });
    const [host, portStr] = address.split(':');
    const raw = await RawClient.connect(host!, Number(portStr));
    const batchBytes = encodeRecordBatch({
      records: Array.from({ length: args.batch }, () => ({ key: null, value })),
    });
    let nextRaw = 0;
    const rawBroker0 = brokerPid ? procCpuSeconds(brokerPid) : 0;
    const rawClient0 = process.cpuUsage();
    const tr0 = performance.now();
    await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        while (nextRaw < sends) {
          const s = nextRaw++;
          const res = await raw.produce(rawTopic, s % args.partitions, batchBytes, -1);
          if (res.errorCode !== 0) throw new Error(`raw produce failed with error ${res.errorCode}`);
        }
      }),
    );
    const rawSec = (performance.now() - tr0) / 1000;
    const rawBrokerCpu = brokerPid ? procCpuSeconds(brokerPid) - rawBroker0 : 0;
    const rawClientCpu = clientCpuSeconds(process.cpuUsage(rawClient0));
    raw.close();
    const rawMsgs = sends * args.batch;
    const rawMsgsPerSec = rawMsgs / rawSec;
    console.log(
      `broker-only produce (pre-encoded batches, raw client): ${rawMsgs} msgs in ${rawSec.toFixed(2)} s = ${Math.round(rawMsgsPerSec)} msgs/s, ` +
        `${((rawMsgs * args.valueBytes) / rawSec / 1e6).toFixed(1)} MB/s; CPU broker ${rawBrokerCpu.toFixed(2)} s, client ${rawClientCpu.toFixed(2)} s`,
    );
    await admin.disconnect();

    const brokerCpuSeconds = produceBrokerCpu + consumeBrokerCpu;
    const brokerRssMb = brokerPid ? procRssMb(brokerPid) : null;
    if (brokerRssMb !== null) console.log(`broker memory (RSS) after the run: ${brokerRssMb} MiB`);
    const clientCpu = produceClientCpu + consumeClientCpu;
    if (brokerPid) {
      console.log(
        `total CPU for the same traffic: broker ${brokerCpuSeconds.toFixed(2)} s vs kafkajs client ${clientCpu.toFixed(2)} s (ratio ${(brokerCpuSeconds / clientCpu).toFixed(2)})`,
      );
    }
    const targets = {
      produce: produceMsgsPerSec >= 50_000,
      consume: consumeMsgsPerSec >= 50_000,
      cpu: brokerPid ? brokerCpuSeconds < clientCpu : null,
    };
    console.log(`targets (≥50k msgs/s each way, broker CPU < client CPU): ${JSON.stringify(targets)}`);
    const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;
    console.log(
      JSON.stringify({
        produceMsgsPerSec: Math.round(produceMsgsPerSec),
        consumeMsgsPerSec: Math.round(consumeMsgsPerSec),
        produceMBps: round(produceMBps),
        consumeMBps: round(consumeMBps),
        consumeMsgsPerSecInclJoin: Math.round(total / withJoinSec),
        produceP50Ms: round(percentile(latencies, 50)),
        produceP99Ms: round(percentile(latencies, 99)),
        brokerOnlyProduceMsgsPerSec: Math.round(rawMsgsPerSec),
        brokerOnlyProduceBrokerCpuSeconds: brokerPid ? round(rawBrokerCpu) : null,
        kafka: args.broker ? 'external' : args.kafka,
        brokerCpuSeconds: brokerPid ? round(brokerCpuSeconds) : null,
        brokerRssMb,
        clientCpuSeconds: round(clientCpu),
        messages: args.messages,
        valueBytes: args.valueBytes,
        batch: args.batch,
        concurrency: args.concurrency,
        partitions: args.partitions,
        cpus: os.cpus().length,
        node: process.version,
      }),
    );
  } finally {
    if (broker && broker.proc.exitCode === null) {
      const exited = new Promise<number | null>((resolve) =>
        broker!.proc.once('exit', (code) => resolve(code)),
      );
      broker.proc.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000)),
      ]);
      if (code === 'timeout') broker.proc.kill('SIGKILL');
      else if (code !== 0) console.error(`broker exited with ${code} after SIGTERM`);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
