// Durability across restarts with `dataDir`: topics, records (keys/headers) and committed group
// offsets survive; and the built CLI serves, flushes on SIGTERM (exit 0) and restarts on its data.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { createTopic, REPO_ROOT, TestContext, uniqueName, waitFor, withTimeout } from './helpers/harness';
import { encodeRecordBatch, ErrorCode, RawClient } from './helpers/raw-protocol';

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

async function readAll(
  kafka: Kafka,
  ctx: TestContext,
  topic: string,
  groupId: string,
  expected: number,
): Promise<Map<number, KafkaMessage[]>> {
  const consumer = ctx.consumer(kafka, {
    groupId,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  const got = new Map<number, KafkaMessage[]>();
  let n = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      got.set(partition, [...(got.get(partition) ?? []), message]);
      n++;
    },
  });
  await waitFor(`${expected} messages`, () => n >= expected, 30_000);
  await new Promise((r) => setTimeout(r, 300));
  await consumer.disconnect();
  expect(n).toBe(expected);
  return got;
}

describe('persistence with dataDir', () => {
  const ctx = new TestContext();
  afterEach(async () => {
    await ctx.cleanup();
  });

  it('topics, records and committed offsets survive a restart; offsets continue after it', async () => {
    const dataDir = ctx.tempDir('ekafka-persist-');
    const topic = uniqueName('durable');
    const doomed = uniqueName('doomed');
    const groupId = uniqueName('durable-group');
    const PARTITIONS = 3;
    const PER = 100;
    const target = (p: number): number => 20 + 30 * p; // committed offset per partition

    // ---- first life
    const b1 = await ctx.startBroker({ dataDir });
    const k1 = ctx.kafka(b1);
    const admin1 = await ctx.admin(k1);
    await createTopic(admin1, topic, PARTITIONS);
    await createTopic(admin1, doomed, 1);
    const producer = await ctx.producer(k1);
    for (let i = 0; i < PARTITIONS * PER; i += 30) {
      await producer.send({
        topic,
        messages: Array.from({ length: 30 }, (_, j) => ({
          key: `k${i + j}`,
          value: `v${i + j}`,
          partition: (i + j) % PARTITIONS,
          headers: { n: String(i + j) },
        })),
      });
    }
    const consumer = ctx.consumer(k1, {
      groupId,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    });
    const done = new Set<number>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const next = Number(message.offset) + 1;
        if (next <= target(partition)) {
          await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
          if (next === target(partition)) done.add(partition);
        }
      },
    });
    await waitFor('targets committed', () => done.size === PARTITIONS);
    await consumer.disconnect();
    await admin1.deleteTopics({ topics: [doomed] });
    const before = (await admin1.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
    await producer.disconnect();
    await admin1.disconnect();
    await b1.stop();

    // ---- second life, same directory
    const b2 = await ctx.startBroker({ dataDir });
    const k2 = ctx.kafka(b2);
    const admin2 = await ctx.admin(k2);
    const topics = await admin2.listTopics();
    expect(topics).toContain(topic);
    expect(topics).not.toContain(doomed);
    expect((await admin2.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions).toHaveLength(
      PARTITIONS,
    );
    const after = (await admin2.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
    expect(after).toEqual(before);
    expect(after.map((o) => o.high)).toEqual(Array(PARTITIONS).fill(String(PER)));

    const [committed] = await admin2.fetchOffsets({ groupId, topics: [topic] });
    expect(
      committed!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset)),
    ).toEqual(Array.from({ length: PARTITIONS }, (_, p) => target(p)));

    // The same group resumes at its committed offsets...
    const resumed = await readAll(
      k2,
      ctx,
      topic,
      groupId,
      Array.from({ length: PARTITIONS }, (_, p) => PER - target(p)).reduce((a, b) => a + b, 0),
    );
    for (let p = 0; p < PARTITIONS; p++) {
      expect(resumed.get(p)!.map((m) => Number(m.offset))).toEqual(
        Array.from({ length: PER - target(p) }, (_, i) => target(p) + i),
      );
    }
    // ...and a new group sees every record byte-exact, headers included.
    const all = await readAll(k2, ctx, topic, uniqueName('fresh'), PARTITIONS * PER);
    for (let p = 0; p < PARTITIONS; p++) {
      all.get(p)!.forEach((m, i) => {
        const n = i * PARTITIONS + p;
        expect(m.offset).toBe(String(i));
        expect(m.key!.toString()).toBe(`k${n}`);
        expect(m.value!.toString()).toBe(`v${n}`);
        expect(String(m.headers!.n)).toBe(String(n));
      });
    }

    // New writes continue the offsets instead of overwriting.
    const p2 = await ctx.producer(k2);
    const res = await p2.send({ topic, messages: [{ key: 'post', value: 'restart', partition: 1 }] });
    expect(res[0]!.baseOffset).toBe(String(PER));
  });

  it('a torn segment tail (crash mid-write) is truncated on start; everything before it is intact', async () => {
    const dataDir = ctx.tempDir('ekafka-torn-');
    const topic = uniqueName('torn');
    const b1 = await ctx.startBroker({ dataDir });
    const k1 = ctx.kafka(b1);
    const admin1 = await ctx.admin(k1);
    await createTopic(admin1, topic, 1);
    const producer = await ctx.producer(k1);
    for (let i = 0; i < 5; i++)
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, j) => ({ value: `r${i * 10 + j}` })),
      });
    await producer.disconnect();
    await admin1.disconnect();
    await b1.stop();

    // Append a half-written batch (valid-looking header, body cut short) to the newest segment file.
    const segments = listFiles(dataDir).filter(
      (f) => f.endsWith('.log') && !path.basename(f).startsWith('consumer-offsets') && f.includes(topic),
    );
    expect(segments.length).toBeGreaterThan(0);
    const newest = segments.sort().at(-1)!;
    const sizeBefore = fs.statSync(newest).size;
    const torn = encodeRecordBatch({
      baseOffset: 50n,
      records: [{ key: null, value: Buffer.from('never acknowledged') }],
    });
    fs.appendFileSync(newest, torn.subarray(0, torn.length - 7));

    const b2 = await ctx.startBroker({ dataDir });
    const k2 = ctx.kafka(b2);
    const admin2 = await ctx.admin(k2);
    expect((await admin2.fetchTopicOffsets(topic))[0]!.high).toBe('50');
    const p2 = await ctx.producer(k2);
    expect((await p2.send({ topic, messages: [{ value: 'r50' }] }))[0]!.baseOffset).toBe('50');
    const all = await readAll(k2, ctx, topic, uniqueName('torn-group'), 51);
    expect(all.get(0)!.map((m) => m.value!.toString())).toEqual(
      Array.from({ length: 51 }, (_, i) => `r${i}`),
    );
    expect(fs.statSync(newest).size).toBeGreaterThan(sizeBefore); // truncated to the valid prefix, then appended to
  });

  it('idempotent producer state survives a restart: a retried batch is still recognised as a duplicate', async () => {
    const dataDir = ctx.tempDir('ekafka-pid-');
    const topic = uniqueName('pid');
    const b1 = await ctx.startBroker({ dataDir });
    await createTopic(await ctx.admin(ctx.kafka(b1)), topic, 1);
    const c1 = await RawClient.connect(b1.host, b1.port);
    const pid = await c1.initProducerId();
    const mk = (seq: number, from: number): Buffer =>
      encodeRecordBatch({
        producerId: pid.producerId,
        producerEpoch: pid.producerEpoch,
        baseSequence: seq,
        records: [0, 1, 2].map((i) => ({ key: null, value: Buffer.from(`v${from + i}`) })),
      });
    expect((await c1.produce(topic, 0, mk(0, 0))).baseOffset).toBe(0n);
    expect((await c1.produce(topic, 0, mk(3, 3))).baseOffset).toBe(3n);
    c1.close();
    await b1.stop();

    const b2 = await ctx.startBroker({ dataDir });
    const c2 = await RawClient.connect(b2.host, b2.port);
    ctx.onCleanup(() => c2.close());
    const retried = await c2.produce(topic, 0, mk(3, 3)); // the last batch again, as a producer retry after the restart
    expect(retried).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3n });
    expect((await c2.listOffset(topic, 0, -1n)).offset).toBe(6n);
    expect((await c2.produce(topic, 0, mk(7, 7))).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER); // expected 6
    expect(await c2.produce(topic, 0, mk(6, 6))).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 6n });
  });

  it('a broker without dataDir starts empty every time', async () => {
    const b1 = await ctx.startBroker();
    const admin1 = await ctx.admin(ctx.kafka(b1));
    const t = uniqueName('ephemeral');
    await createTopic(admin1, t, 1);
    await admin1.disconnect();
    await b1.stop();
    const b2 = await ctx.startBroker();
    const admin2 = await ctx.admin(ctx.kafka(b2));
    expect(await admin2.listTopics()).not.toContain(t);
  });
});

describe('CLI: serve, SIGTERM, restart', () => {
  const cli = path.join(REPO_ROOT, 'dist/libs/embedded-kafka/src/cli.js');
  const ctx = new TestContext();
  const procs: ChildProcess[] = [];

  beforeAll(() => {
    const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'tools/build.mjs'), '--quiet'], {
      cwd: REPO_ROOT,
      timeout: 120_000,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    expect(fs.existsSync(cli)).toBe(true);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await ctx.cleanup();
  });

  async function serve(dataDir: string): Promise<{
    proc: ChildProcess;
    address: string;
    exit: Promise<{ code: number | null; signal: string | null }>;
  }> {
    const proc = spawn(
      process.execPath,
      [cli, 'serve', '--port', '0', '--data-dir', dataDir, '--partitions', '2'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    procs.push(proc);
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const address = await withTimeout(
      new Promise<string>((resolve, reject) => {
        proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (\S+?):(\d+)/.exec(out);
          if (m) resolve(`${m[1]}:${m[2]}`);
        });
        proc.once('exit', (code) =>
          reject(new Error(`cli exited with ${code} before listening; stdout=${out} stderr=${err}`)),
        );
      }),
      20_000,
      'CLI listening line',
    );
    return { proc, address, exit };
  }

  it('serves on an ephemeral port, exits 0 on SIGTERM and keeps its data for the next start', async () => {
    const dataDir = ctx.tempDir('ekafka-cli-');
    const topic = uniqueName('cli');

    const first = await serve(dataDir);
    expect(first.address).toMatch(/^[\d.]+:\d+$/);
    expect(first.address.endsWith(':0')).toBe(false);
    const k1 = new Kafka({ clientId: 'cli-test', brokers: [first.address], logLevel: logLevel.NOTHING });
    const admin1 = k1.admin();
    await admin1.connect();
    await createTopic(admin1, topic, 2);
    const producer = k1.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `cli-${i}`, partition: i % 2 })),
    });
    await producer.disconnect();
    await admin1.disconnect();

    first.proc.kill('SIGTERM');
    const exit1 = await withTimeout(first.exit, 15_000, 'CLI exit after SIGTERM');
    expect(exit1).toEqual({ code: 0, signal: null });

    const second = await serve(dataDir);
    const k2 = new Kafka({ clientId: 'cli-test-2', brokers: [second.address], logLevel: logLevel.NOTHING });
    const admin2 = await ctx.admin(k2);
    expect(await admin2.listTopics()).toContain(topic);
    expect((await admin2.fetchTopicOffsets(topic)).map((o) => o.high).sort()).toEqual(['25', '25']);
    const msgs = await readAll(k2, ctx, topic, uniqueName('cli-group'), 50);
    const values = [...msgs.values()]
      .flat()
      .map((m) => m.value!.toString())
      .sort();
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `cli-${i}`).sort());
    await admin2.disconnect();

    second.proc.kill('SIGTERM');
    expect(await withTimeout(second.exit, 15_000, 'second CLI exit')).toEqual({ code: 0, signal: null });
  });

  it('rejects bad arguments with the usage and status 2, and a taken port with a non-zero exit', async () => {
    const run = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
      withTimeout(
        new Promise((resolve) => {
          const p = spawn(process.execPath, [cli, ...args], {
            cwd: REPO_ROOT,
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          procs.push(p);
          let stderr = '';
          p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
          p.once('close', (code) => resolve({ code, stderr }));
        }),
        20_000,
        `cli ${args.join(' ')}`,
      );
    for (const args of [['serve', '--port', 'abc'], ['serve', '--bogus'], ['frobnicate'], []]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/usage: embedded-kafka serve/);
    }
    const first = await serve(ctx.tempDir('ekafka-cli-port-'));
    const port = first.address.split(':')[1]!;
    const clash = await run(['serve', '--port', port]);
    expect(clash.code).not.toBe(0);
    expect(clash.code).not.toBeNull();
    expect(clash.stderr).toMatch(/EADDRINUSE|in use/i);
    first.proc.kill('SIGTERM');
    expect(await withTimeout(first.exit, 15_000, 'CLI exit')).toEqual({ code: 0, signal: null });
  });

  it('acknowledged records and commits survive a SIGKILL of the broker process (no shutdown flush)', async () => {
    const dataDir = ctx.tempDir('ekafka-kill-');
    const topic = uniqueName('kill');
    const groupId = uniqueName('kill-group');
    const first = await serve(dataDir);
    const k1 = new Kafka({ clientId: 'kill-test', brokers: [first.address], logLevel: logLevel.NOTHING });
    const admin1 = k1.admin();
    await admin1.connect();
    await createTopic(admin1, topic, 2);
    const producer = k1.producer();
    await producer.connect();
    for (let i = 0; i < 1000; i += 50) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 50 }, (_, j) => ({
          key: `k${i + j}`,
          value: `v${i + j}`,
          partition: (i + j) % 2,
        })),
      });
    }
    const target = [123, 77];
    const consumer = k1.consumer({ groupId, maxWaitTimeInMs: 100 });
    const reached = new Set<number>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const next = Number(message.offset) + 1;
        if (next <= target[partition]!) {
          await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
          if (next === target[partition]) reached.add(partition);
        }
      },
    });
    await waitFor('commits acknowledged', () => reached.size === 2);
    await Promise.all([consumer.disconnect(), producer.disconnect(), admin1.disconnect()]);
    // Crash right after the last acknowledgement: no SIGTERM flush, no fsync timer tick needed.
    first.proc.kill('SIGKILL');
    expect(await withTimeout(first.exit, 10_000, 'broker death')).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await serve(dataDir);
    const k2 = new Kafka({ clientId: 'kill-test-2', brokers: [second.address], logLevel: logLevel.NOTHING });
    const admin2 = await ctx.admin(k2);
    expect(
      (await admin2.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((o) => o.high),
    ).toEqual(['500', '500']);
    const [committed] = await admin2.fetchOffsets({ groupId, topics: [topic] });
    expect(
      committed!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset)),
    ).toEqual(target);
    const msgs = await readAll(k2, ctx, topic, uniqueName('kill-read'), 1000);
    for (const p of [0, 1]) {
      expect(msgs.get(p)!.map((m) => m.value!.toString())).toEqual(
        Array.from({ length: 500 }, (_, i) => `v${2 * i + p}`),
      );
    }
  });
});
