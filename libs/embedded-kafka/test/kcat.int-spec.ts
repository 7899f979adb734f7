// The embedded broker seen through an unmodified librdkafka client: Debian's kcat.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { RunningBroker } from '../src';
import { createTopic, sleep, TestContext, uniqueName, waitFor, withTimeout } from './helpers/harness';

const KCAT = '/usr/bin/kcat';
const haveKcat = fs.existsSync(KCAT);

interface KcatResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface KcatJsonMessage {
  topic: string;
  partition: number;
  offset: number;
  ts: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

// Reason for skipping, spelled out in the suite name: kcat is installed in CI and on dev machines
// via Debian's `kcat` package; without the binary there is nothing to run.
const describeKcat = haveKcat ? describe : describe.skip;

describeKcat(
  haveKcat
    ? 'kcat (librdkafka) against the embedded broker'
    : 'kcat suite SKIPPED: /usr/bin/kcat is not installed',
  () => {
    const ctx = new TestContext();
    let broker: RunningBroker;
    const procs: ChildProcess[] = [];

    beforeAll(async () => {
      broker = await ctx.startBroker({ autoCreateTopics: false });
    });
    afterEach(() => {
      for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    });
    afterAll(async () => {
      await ctx.cleanup();
    });

    function start(
      args: string[],
      input?: string,
    ): { proc: ChildProcess; out: () => string; err: () => string; done: Promise<KcatResult> } {
      const proc = spawn(KCAT, ['-b', broker.address, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      procs.push(proc);
      let stdout = '';
      let stderr = '';
      proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const done = new Promise<KcatResult>((resolve) =>
        proc.once('close', (code) => resolve({ code, stdout, stderr })),
      );
      if (input !== undefined) proc.stdin!.end(input);
      else proc.stdin!.end();
      return { proc, out: () => stdout, err: () => stderr, done };
    }

    async function kcat(args: string[], input?: string, timeoutMs = 20_000): Promise<KcatResult> {
      const r = await withTimeout(start(args, input).done, timeoutMs, `kcat ${args.join(' ')}`);
      if (r.code !== 0) throw new Error(`kcat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r;
    }

    const jsonLines = (s: string): KcatJsonMessage[] =>
      s
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as KcatJsonMessage);

    it('-L -J lists the broker, topics and partitions', async () => {
      const admin = await ctx.admin(ctx.kafka(broker));
      const topic = uniqueName('kcat-md');
      await createTopic(admin, topic, 3);
      const { stdout } = await kcat(['-L', '-J']);
      const md = JSON.parse(stdout) as {
        brokers: Array<{ id: number; name: string }>;
        topics: Array<{
          topic: string;
          partitions: Array<{
            partition: number;
            leader: number;
            replicas: Array<{ id: number }>;
            isrs: Array<{ id: number }>;
          }>;
        }>;
      };
      expect(md.brokers).toHaveLength(1);
      expect(md.brokers[0]!.name).toBe(`${broker.host}:${broker.port}`);
      const t = md.topics.find((x) => x.topic === topic)!;
      expect(t).toBeDefined();
      expect(t.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
      for (const p of t.partitions) {
        expect(p.leader).toBe(md.brokers[0]!.id);
        expect(p.replicas.map((r) => r.id)).toEqual([md.brokers[0]!.id]);
        expect(p.isrs.map((r) => r.id)).toEqual([md.brokers[0]!.id]);
      }
      // -L -t narrows to one topic
      const one = JSON.parse((await kcat(['-L', '-J', '-t', topic])).stdout) as {
        topics: Array<{ topic: string }>;
      };
      expect(one.topics.map((x) => x.topic)).toEqual([topic]);
    });

    it('-P with -K: and -H, read back with -C -o beginning -e (JSON and -f format), and by kafkajs', async () => {
      const kafka = ctx.kafka(broker);
      const admin = await ctx.admin(kafka);
      const topic = uniqueName('kcat-rt');
      await createTopic(admin, topic, 1);
      const lines = Array.from({ length: 10 }, (_, i) => `key-${i}:value ${i} with spaces`);
      await kcat(
        ['-P', '-t', topic, '-p', '0', '-K:', '-H', 'trace-id=abc123', '-H', 'tenant=acme'],
        lines.join('\n') + '\n',
      );

      const { stdout } = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-J']);
      const msgs = jsonLines(stdout);
      expect(msgs.map((m) => m.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(msgs.map((m) => m.key)).toEqual(Array.from({ length: 10 }, (_, i) => `key-${i}`));
      expect(msgs.map((m) => m.payload)).toEqual(
        Array.from({ length: 10 }, (_, i) => `value ${i} with spaces`),
      );
      for (const m of msgs) expect(m.headers).toEqual(['trace-id', 'abc123', 'tenant', 'acme']);

      const formatted = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%p|%o|%k|%s|%h\n']);
      expect(formatted.stdout.trim().split('\n')).toEqual(
        Array.from(
          { length: 10 },
          (_, i) => `0|${i}|key-${i}|value ${i} with spaces|trace-id=abc123,tenant=acme`,
        ),
      );

      // kafkajs sees the same keys and headers that kcat wrote
      const consumer = ctx.consumer(kafka, { groupId: uniqueName('kcat-js'), maxWaitTimeInMs: 100 });
      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) =>
          void seen.push(
            `${message.key}|${message.value}|${String(message.headers!['trace-id'])}|${String(message.headers!.tenant)}`,
          ),
      });
      await waitFor('kafkajs to read kcat messages', () => seen.length === 10);
      expect(seen[3]).toBe('key-3|value 3 with spaces|abc123|acme');
    });

    it('kcat reads what kafkajs wrote (keys, headers, gzip)', async () => {
      const kafka = ctx.kafka(broker);
      const admin = await ctx.admin(kafka);
      const topic = uniqueName('kcat-js2');
      await createTopic(admin, topic, 2);
      const producer = await ctx.producer(kafka);
      await producer.send({
        topic,
        compression: 1, // gzip
        messages: Array.from({ length: 6 }, (_, i) => ({
          key: `jk${i}`,
          value: `jv${i}`,
          partition: i % 2,
          headers: { src: 'kafkajs' },
        })),
      });
      const { stdout } = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-J']);
      const msgs = jsonLines(stdout).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
      expect(
        msgs.map((m) => `${m.partition}:${m.offset}:${m.key}:${m.payload}:${(m.headers ?? []).join('=')}`),
      ).toEqual([
        '0:0:jk0:jv0:src=kafkajs',
        '0:1:jk2:jv2:src=kafkajs',
        '0:2:jk4:jv4:src=kafkajs',
        '1:0:jk1:jv1:src=kafkajs',
        '1:1:jk3:jv3:src=kafkajs',
        '1:2:jk5:jv5:src=kafkajs',
      ]);
    });

    it.each(['gzip', 'snappy', 'lz4', 'zstd'])(
      '-P -z %s: compressed batches are stored and served back intact',
      async (codec) => {
        const admin = await ctx.admin(ctx.kafka(broker));
        const topic = uniqueName(`kcat-${codec}`);
        await createTopic(admin, topic, 1);
        const lines = Array.from({ length: 50 }, (_, i) => `key${i}:${codec} payload ${i} ${'z'.repeat(i)}`);
        await kcat(['-P', '-t', topic, '-p', '0', '-K:', '-z', codec], lines.join('\n') + '\n');
        expect((await admin.fetchTopicOffsets(topic))[0]!.high).toBe('50');
        const { stdout } = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%o|%k|%s\n']);
        expect(stdout.trim().split('\n')).toEqual(lines.map((l, i) => `${i}|${l.replace(':', '|')}`));
        // a fetch starting inside a compressed batch still yields exactly the requested tail
        const tail = await kcat(['-C', '-t', topic, '-p', '0', '-o', '45', '-e', '-f', '%o\n']);
        expect(tail.stdout.trim().split('\n')).toEqual(['45', '46', '47', '48', '49']);
      },
    );

    it('-C -o <offset>, -o -<n> (from end) and -o end', async () => {
      const kafka = ctx.kafka(broker);
      const admin = await ctx.admin(kafka);
      const topic = uniqueName('kcat-off');
      await createTopic(admin, topic, 1);
      await kcat(
        ['-P', '-t', topic, '-p', '0'],
        Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n',
      );

      const from7 = await kcat(['-C', '-t', topic, '-p', '0', '-o', '7', '-e', '-f', '%o:%s\n']);
      expect(from7.stdout.trim().split('\n')).toEqual(['7:m7', '8:m8', '9:m9']);
      const last2 = await kcat(['-C', '-t', topic, '-p', '0', '-o', '-2', '-e', '-f', '%o:%s\n']);
      expect(last2.stdout.trim().split('\n')).toEqual(['8:m8', '9:m9']);
      const atEnd = await kcat(['-C', '-t', topic, '-p', '0', '-o', 'end', '-e', '-f', '%o:%s\n']);
      expect(atEnd.stdout.trim()).toBe('');

      // -o end then wait: only messages produced after the start show up
      const tail = start(['-C', '-t', topic, '-p', '0', '-o', 'end', '-c', '1', '-u', '-f', '%o:%s\n']);
      const producer = await ctx.producer(kafka);
      let i = 0;
      const finished = tail.done.then(() => true);
      while (!(await Promise.race([finished, sleep(500).then(() => false)]))) {
        await producer.send({ topic, messages: [{ value: `late-${i++}` }] });
        if (i > 40) throw new Error('kcat -o end never printed a new message');
      }
      const res = await tail.done;
      expect(res.code).toBe(0);
      expect(res.stdout.trim()).toMatch(/^(\d+):late-(\d+)$/);
      const [, off, n] = /^(\d+):late-(\d+)$/.exec(res.stdout.trim())!;
      expect(Number(off)).toBe(10 + Number(n));
    });

    it('-G: two kcat members of one group split the partitions and together read everything', async () => {
      const kafka = ctx.kafka(broker);
      const admin = await ctx.admin(kafka);
      const topic = uniqueName('kcat-grp');
      const group = uniqueName('kcat-group');
      await createTopic(admin, topic, 4);
      const args = [
        '-G',
        group,
        '-u',
        '-f',
        '%p|%o|%s\n',
        '-X',
        'auto.offset.reset=earliest',
        '-X',
        'heartbeat.interval.ms=300',
        '-X',
        'session.timeout.ms=6000',
        topic,
      ];
      const m1 = start(args);
      const m2 = start(args);
      const assigned = (stderr: string): number[] | null => {
        const all = [...stderr.matchAll(/assigned: ([^\n]*)/g)];
        if (all.length === 0) return null;
        return [...all[all.length - 1]![1]!.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort();
      };
      await waitFor(
        'both kcat members to get 2 partitions each',
        async () => {
          const a = assigned(m1.err());
          const b = assigned(m2.err());
          if (!a || !b || a.length !== 2 || b.length !== 2) return false;
          const { groups } = await admin.describeGroups([group]);
          return groups[0]!.state === 'Stable' && groups[0]!.members.length === 2;
        },
        45_000,
        200,
      );
      const a1 = assigned(m1.err())!;
      const a2 = assigned(m2.err())!;
      expect([...a1, ...a2].sort()).toEqual([0, 1, 2, 3]);

      const producer = await ctx.producer(kafka);
      await producer.send({
        topic,
        messages: Array.from({ length: 40 }, (_, i) => ({ value: `g${i}`, partition: i % 4 })),
      });
      const parse = (s: string): Array<{ p: number; v: string }> =>
        s
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const [p, , v] = l.split('|');
            return { p: Number(p), v: v! };
          });
      await waitFor(
        '40 messages across both members',
        () => parse(m1.out()).length + parse(m2.out()).length >= 40,
        30_000,
      );
      const r1 = parse(m1.out());
      const r2 = parse(m2.out());
      expect(r1.length).toBeGreaterThan(0);
      expect(r2.length).toBeGreaterThan(0);
      expect(new Set(r1.map((r) => r.p))).toEqual(new Set(a1));
      expect(new Set(r2.map((r) => r.p))).toEqual(new Set(a2));
      expect([...r1, ...r2].map((r) => r.v).sort()).toEqual(
        Array.from({ length: 40 }, (_, i) => `g${i}`).sort(),
      );

      // librdkafka commits in the background; the committed offsets reach 10 per partition
      await waitFor(
        'kcat group commits',
        async () => {
          const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          return t!.partitions.every((p) => p.offset === '10');
        },
        20_000,
        250,
      );
    });

    it('-Q -t topic:partition:timestamp returns the first offset at or after the timestamp', async () => {
      const kafka = ctx.kafka(broker);
      const admin = await ctx.admin(kafka);
      const topic = uniqueName('kcat-q');
      await createTopic(admin, topic, 2);
      const producer = await ctx.producer(kafka);
      const t0 = Date.now() - 3_600_000;
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, i) => ({
          value: `t${i}`,
          partition: 0,
          timestamp: String(t0 + i * 1000),
        })),
      });
      const query = async (partition: number, ts: number): Promise<number> => {
        const { stdout } = await kcat(['-Q', '-t', `${topic}:${partition}:${ts}`]);
        const m = /\[(\d+)\]\s+offset\s+(-?\d+)/.exec(stdout);
        if (!m) throw new Error(`unexpected kcat -Q output: ${stdout}`);
        expect(Number(m[1])).toBe(partition);
        return Number(m[2]);
      };
      expect(await query(0, t0)).toBe(0);
      expect(await query(0, t0 + 3000)).toBe(3);
      expect(await query(0, t0 + 3001)).toBe(4);
      expect(await query(0, t0 - 10_000)).toBe(0);
      // later than every record → -1 (librdkafka reports "no such offset" as the logical END, -1)
      expect(await query(0, t0 + 60_000)).toBe(-1);
      expect(await query(1, t0)).toBe(-1); // empty partition
    });
  },
);
