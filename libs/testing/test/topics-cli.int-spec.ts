import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  buildEnvelope,
  createKafka,
  DLQ_HEADERS,
  ensureTopics,
  headersFor,
  KafkaPublisher,
  OutboundMessage,
} from '@ordermesh/platform';
import { freePort, testKafkaBrokers, workspaceRoot } from '../src';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run topics` against the run's real Kafka-protocol broker, and kcat's equivalents showing the same. */
describe('topics CLI', () => {
  const root = workspaceRoot();
  const brokers = testKafkaBrokers();
  // Fresh names per run: the broker is shared with other suites and keeps its data.
  const base = `topics-cli-${Date.now().toString(36)}`;
  const topic = `${base}.events`;
  const dlq = `${base}.events.dlq`;
  const groupId = `${base}-inventory`;
  const kafka = createKafka({ brokers: [brokers], clientId: 'topics-cli-test' }, () => undefined);

  const orderA = randomUUID();
  const orderB = randomUUID();
  const orderC = randomUUID();
  const correlationA = randomUUID();
  const traceparentA = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const sent: { key: string; eventId: string; eventType: string }[] = [];
  let placedA = '';

  // Asynchronous on purpose: the broker may run in this process and must keep answering while a child runs.
  const run = (
    command: string,
    args: string[],
    opts: { onStderr?: (text: string) => void } = {},
  ): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(command, args, { cwd: root, env: { ...process.env, KAFKA_BROKERS: brokers } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        opts.onStderr?.(stderr);
      });
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const cli = (...args: string[]): Promise<Run> =>
    run(process.execPath, [path.join(root, 'dist/libs/devstack/src/cli/topics.js'), ...args]);
  const json = <T>(r: Run): T => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const ndjson = (r: Run): Record<string, unknown>[] => {
    expect(r.status).toBe(0);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  function event(
    type: 'OrderPlaced' | 'OrderFulfillmentRequested',
    orderId: string,
    ctx: { correlationId: string; causationId: string | null; traceparent?: string },
    target = topic,
  ): OutboundMessage {
    const payload =
      type === 'OrderPlaced'
        ? {
            orderId,
            customerId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
            lines: [{ sku: 'MUG-RED', quantity: 2 }],
          }
        : { orderId };
    const { trace, ...envelope } = buildEnvelope('order', type, orderId, payload as never, ctx);
    if (target === topic) sent.push({ key: orderId, eventId: envelope.eventId, eventType: type });
    return {
      topic: target,
      key: orderId,
      value: JSON.stringify(envelope),
      headers: headersFor(envelope, trace),
    };
  }

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs'), '--quiet'], { cwd: root });
    expect(build.status).toBe(0);
    await ensureTopics(kafka, [
      { topic, partitions: 3 },
      { topic: dlq, partitions: 1 },
    ]);
    const first = event('OrderPlaced', orderA, {
      correlationId: correlationA,
      causationId: null,
      traceparent: traceparentA,
    });
    placedA = sent[0]!.eventId;
    const dead = event('OrderPlaced', orderC, { correlationId: randomUUID(), causationId: null }, dlq);
    dead.headers = {
      ...dead.headers,
      [DLQ_HEADERS.reason]: 'CONTRACT.INVALID',
      [DLQ_HEADERS.error]: 'payload.lines: expected array',
      [DLQ_HEADERS.consumer]: 'inventory-service',
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.originalPartition]: '2',
      [DLQ_HEADERS.originalOffset]: '7',
      [DLQ_HEADERS.failedAt]: '2030-01-01T00:00:00.000Z',
      [DLQ_HEADERS.attempts]: '1',
    };
    const publisher = new KafkaPublisher(kafka);
    await publisher.publish([
      first,
      event('OrderFulfillmentRequested', orderA, {
        correlationId: correlationA,
        causationId: placedA,
        traceparent: traceparentA,
      }),
      event('OrderPlaced', orderB, { correlationId: randomUUID(), causationId: null }),
      event('OrderPlaced', orderC, { correlationId: randomUUID(), causationId: null }),
      dead,
    ]);
    await publisher.disconnect();
  });

  it('lists topics with partition and message counts and flags the DLQ', async () => {
    const topics = json<{ topic: string; partitions: number; messages: number; dlq: boolean }[]>(
      await cli('list', '--json'),
    );
    expect(topics.find((t) => t.topic === topic)).toEqual({ topic, partitions: 3, messages: 4, dlq: false });
    expect(topics.find((t) => t.topic === dlq)).toEqual({
      topic: dlq,
      partitions: 1,
      messages: 1,
      dlq: true,
    });

    const human = await cli('list');
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+MESSAGES\s+DLQ$/m);
    expect(human.stdout).toMatch(new RegExp(`^${escape(topic)}\\s+3\\s+4$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^${escape(dlq)}\\s+1\\s+1\\s+yes$`, 'm'));
  });

  it('tails from the beginning, decoding envelope and headers; filters by key; limits', async () => {
    const all = ndjson(await cli('tail', topic, '--from-beginning', '--json'));
    expect(all.map((m) => m.eventId).sort()).toEqual(sent.map((s) => s.eventId).sort());

    const a = ndjson(await cli('tail', topic, '--from-beginning', '--key', orderA, '--json'));
    expect(a).toHaveLength(2);
    // One key lives in one partition: the order's events come back in the order they were written.
    expect(a.map((m) => m.eventType)).toEqual(['OrderPlaced', 'OrderFulfillmentRequested']);
    expect(a[0]).toMatchObject({
      topic,
      key: orderA,
      eventId: placedA,
      correlationId: correlationA,
      causationId: null,
      producer: 'order',
      traceparent: traceparentA,
    });
    expect(a[1]).toMatchObject({ causationId: placedA, correlationId: correlationA });
    expect(a[1]!.offset).toBe(String(Number(a[0]!.offset) + 1));
    expect((a[1]!.headers as Record<string, string>)['causation-id']).toBe(placedA);
    expect(a[0]!.dlq).toBeUndefined();

    const limited = ndjson(await cli('tail', topic, '--from-beginning', '--limit', '1', '--json'));
    expect(limited).toHaveLength(1);

    const human = await cli('tail', topic, '--from-beginning', '--key', orderB);
    expect(human.status).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+PART:OFFSET\s+KEY\s+EVENT TYPE\s+EVENT ID\s+CORRELATION ID/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${orderB}  OrderPlaced`);
    expect(human.stderr).toContain('1 message(s)');
  });

  it('shows the dlq-* headers of a dead-letter topic', async () => {
    const [m] = ndjson(await cli('tail', dlq, '--from-beginning', '--json'));
    expect(m).toMatchObject({
      key: orderC,
      eventType: 'OrderPlaced',
      dlq: {
        reason: 'CONTRACT.INVALID',
        error: 'payload.lines: expected array',
        consumer: 'inventory-service',
        originalTopic: topic,
        originalPartition: '2',
        originalOffset: '7',
        attempts: '1',
      },
    });
    const human = await cli('tail', dlq, '--from-beginning');
    expect(human.stdout).toMatch(/REASON\s+CONSUMER\s+ORIGIN/);
    expect(human.stdout).toContain(`CONTRACT.INVALID  inventory-service  ${topic}:2:7`);
  });

  it('without --from-beginning shows only messages written after it started', async () => {
    let ready!: () => void;
    const following = new Promise<void>((resolve) => (ready = resolve));
    const tail = run(
      process.execPath,
      [path.join(root, 'dist/libs/devstack/src/cli/topics.js'), 'tail', topic, '--limit', '1', '--json'],
      { onStderr: (text) => text.includes('following') && ready() },
    );
    await following;
    const orderD = randomUUID();
    const publisher = new KafkaPublisher(kafka);
    await publisher.publish([
      event('OrderPlaced', orderD, { correlationId: randomUUID(), causationId: null }),
    ]);
    await publisher.disconnect();
    const out = ndjson(await tail);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ key: orderD, eventType: 'OrderPlaced' });
  });

  it('describes partitions and reports a consumer group with its committed offsets and lag', async () => {
    const before = json<{ partitions: { partition: number; low: string; high: string; messages: number }[] }>(
      await cli('describe', topic, '--json'),
    );
    expect(before.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    const total = before.partitions.reduce((n, p) => n + p.messages, 0);
    expect(total).toBe(sent.length);
    for (const p of before.partitions) expect(Number(p.high) - Number(p.low)).toBe(p.messages);

    // A real group reads everything but commits only past the first event of order A.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const seen: { partition: number; offset: string; key: string | null }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            seen.push({ partition, offset: message.offset, key: message.key?.toString() ?? null });
            if (seen.length === total) resolve();
          },
        })
        .catch(reject);
    });
    const firstA = seen.find((s) => s.key === orderA)!;
    const committedOffset = Number(firstA.offset) + 1;
    await consumer.commitOffsets([{ topic, partition: firstA.partition, offset: String(committedOffset) }]);
    const ends = new Map<number, number>();
    for (const s of seen) ends.set(s.partition, Math.max(ends.get(s.partition) ?? 0, Number(s.offset) + 1));
    const expectedLag = total - committedOffset;

    try {
      const groups = json<
        { groupId: string; state: string; members: number; topics: string[]; lag: number }[]
      >(await cli('groups', '--json'));
      expect(groups.find((g) => g.groupId === groupId)).toEqual({
        groupId,
        state: 'Stable',
        protocolType: 'consumer',
        members: 1,
        topics: [topic],
        lag: expectedLag,
      });
      const human = await cli('groups');
      expect(human.stdout).toMatch(
        new RegExp(`^${escape(groupId)}\\s+Stable\\s+1\\s+${escape(topic)}\\s+${expectedLag}$`, 'm'),
      );
      // The CLI's own readers never show up as groups.
      expect(human.stdout).not.toContain('ordermesh-reader-');
    } finally {
      await consumer.disconnect();
    }

    const lag = json<{
      groupId: string;
      state: string;
      lag: number;
      partitions: { topic: string; partition: number; committed: string; high: string; lag: number }[];
    }>(await cli('lag', groupId, '--json'));
    expect(lag.state).toBe('Empty');
    expect(lag.lag).toBe(expectedLag);
    expect(lag.partitions).toEqual(
      [0, 1, 2].map((partition) => {
        const end = ends.get(partition) ?? 0;
        const committed = partition === firstA.partition ? committedOffset : -1;
        return {
          topic,
          partition,
          committed: String(committed),
          high: String(end),
          lag: end - Math.max(committed, 0),
        };
      }),
    );
    const human = await cli('lag', groupId);
    expect(human.stdout).toMatch(
      new RegExp(`^${escape(topic)}\\s+${firstA.partition}\\s+${committedOffset}\\s+\\d+\\s+\\d+$`, 'm'),
    );
    expect(human.stdout).toMatch(new RegExp(`^TOTAL\\s+${expectedLag}$`, 'm'));

    const described = json<{ groups: { groupId: string; lag: number }[] }>(
      await cli('describe', topic, '--json'),
    );
    expect(described.groups.find((g) => g.groupId === groupId)?.lag).toBe(expectedLag);
    const humanDescribe = await cli('describe', topic);
    expect(humanDescribe.stdout).toMatch(/^PARTITION\s+LEADER\s+REPLICAS\s+LOW\s+HIGH\s+MESSAGES$/m);
    expect(humanDescribe.stdout).toMatch(new RegExp(`^${escape(groupId)}\\s+Empty\\s+${expectedLag}$`, 'm'));
  });

  it('rejects bad usage with exit code 2 and reports missing topics, groups and brokers with exit code 1', async () => {
    const bad = [
      [],
      ['frobnicate'],
      ['describe'],
      ['lag'],
      ['tail', topic, '--limit', '0'],
      ['list', '--key', orderA],
      ['list', 'extra'],
      ['list', '--brokers', 'not-a-broker'],
      ['groups', '--wat'],
    ];
    const results = await Promise.all(bad.map((args) => cli(...args)));
    results.forEach((r, i) => {
      expect({ args: bad[i], status: r.status }).toEqual({ args: bad[i], status: 2 });
      expect(r.stderr).toContain('usage:');
      expect(r.stdout).toBe('');
    });
    const missingTopic = await cli('describe', `${base}.nope`);
    expect(missingTopic.status).toBe(1);
    expect(missingTopic.stderr).toContain(`topic ${base}.nope does not exist`);
    const missingGroup = await cli('lag', `${base}-nobody`);
    expect(missingGroup.status).toBe(1);
    expect(missingGroup.stderr).toContain('does not exist');
    const dead = `127.0.0.1:${await freePort()}`;
    const unreachable = await cli('list', '--brokers', dead);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain(`cannot reach Kafka at ${dead}`);
  });

  // kcat is installed in CI and on dev machines (Debian's `kcat`); without it the reason is in the test name.
  const kcat = spawnSync('kcat', ['-V']).status === 0;
  (kcat ? it : it.skip)(
    kcat
      ? 'shows the same as the README kcat equivalents'
      : 'kcat comparison SKIPPED: kcat is not installed (apt-get install kcat)',
    async () => {
      // kcat -L: metadata listing.
      const meta = await run('kcat', ['-b', brokers, '-L', '-t', topic]);
      expect(meta.status).toBe(0);
      expect(meta.stdout).toContain(`topic "${topic}" with 3 partitions`);

      // kcat -C ... -o beginning -e -f (the README's format): the same messages, offsets, keys and event ids as tail.
      const consumed = await run('sh', [
        '-c',
        `kcat -b ${brokers} -C -t ${topic} -o beginning -e -q -f '%p:%o %k %h\\n'`,
      ]);
      expect(consumed.status).toBe(0);
      const fromKcat = consumed.stdout
        .trim()
        .split('\n')
        .map((line) => {
          const [at, key, headers] = line.split(' ');
          const eventId = /(?:^|,)event-id=([^,]+)/.exec(headers ?? '')?.[1];
          return `${at} ${key} ${eventId}`;
        })
        .sort();
      const tailed = ndjson(await cli('tail', topic, '--from-beginning', '--json'));
      const fromCli = tailed
        .map((m) => `${String(m.partition)}:${String(m.offset)} ${String(m.key)} ${String(m.eventId)}`)
        .sort();
      expect(fromKcat).toEqual(fromCli);
      expect(fromKcat.length).toBeGreaterThanOrEqual(sent.length);

      const counts = await run('sh', [
        '-c',
        `kcat -b ${brokers} -C -t ${topic} -o beginning -e -q -f '%p\\n' | sort | uniq -c`,
      ]);
      const kcatCounts = Object.fromEntries(
        counts.stdout
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .map(([n, p]) => [p, Number(n)]),
      );
      const described = json<{ partitions: { partition: number; messages: number }[] }>(
        await cli('describe', topic, '--json'),
      );
      expect(
        Object.fromEntries(
          described.partitions.filter((p) => p.messages > 0).map((p) => [String(p.partition), p.messages]),
        ),
      ).toEqual(kcatCounts);

      // By key: kcat's format piped through grep, as the README shows.
      const byKey = await run('sh', [
        '-c',
        `kcat -b ${brokers} -C -t ${topic} -o beginning -e -q -f '%k %p:%o %h\\n' | grep '^${orderA} '`,
      ]);
      expect(byKey.status).toBe(0);
      const kcatA = byKey.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[1]);
      const cliA = ndjson(await cli('tail', topic, '--from-beginning', '--key', orderA, '--json')).map(
        (m) => `${String(m.partition)}:${String(m.offset)}`,
      );
      expect(kcatA).toEqual(cliA);
      expect(byKey.stdout).toContain(`event-id=${placedA}`);

      // The dead-letter topic: the dlq-* headers tail decodes are what kcat prints.
      const dead = await run('sh', [
        '-c',
        `kcat -b ${brokers} -C -t ${dlq} -o beginning -e -q -f '%p:%o %k %h\\n'`,
      ]);
      expect(dead.stdout).toContain(`0:0 ${orderC} `);
      expect(dead.stdout).toContain('dlq-reason=CONTRACT.INVALID');
      expect(dead.stdout).toContain(`dlq-original-topic=${topic}`);
    },
  );
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
