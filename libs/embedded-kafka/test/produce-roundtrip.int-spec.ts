// Producer acks modes, gzip, keys, headers, timestamps: what kafkajs sends comes back byte-exact.
import { randomBytes } from 'node:crypto';
import { CompressionTypes, IHeaders, KafkaMessage, Message } from 'kafkajs';
import { RunningBroker } from '../src';
import { createTopic, TestContext, uniqueName, waitFor } from './helpers/harness';

interface Received {
  partition: number;
  message: KafkaMessage;
}

function headerBuffers(h: IHeaders | undefined): Array<[string, Buffer[]]> {
  return Object.entries(h ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]): [string, Buffer[]] => [
      k,
      (Array.isArray(v) ? v : [v]).map((x) => Buffer.from(x as Buffer | string)),
    ])
    .sort(([a], [b]) => a.localeCompare(b));
}

describe('produce → consume round trip (kafkajs)', () => {
  const ctx = new TestContext();
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await ctx.startBroker();
  });
  afterAll(async () => {
    await ctx.cleanup();
  });

  async function consumeAll(topic: string, expected: number): Promise<Received[]> {
    const kafka = ctx.kafka(broker);
    const consumer = ctx.consumer(kafka, { groupId: uniqueName('rt-group'), maxWaitTimeInMs: 100 });
    const got: Received[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => void got.push({ partition, message }),
    });
    await waitFor(`${expected} messages`, () => got.length >= expected, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    return got;
  }

  it.each([
    ['-1 (all)', -1],
    ['1 (leader)', 1],
    ['0 (fire and forget)', 0],
  ])('acks=%s: every message lands once, in order', async (_label, acks) => {
    const topic = uniqueName(`acks${acks}`);
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, 2);
    const producer = await ctx.producer(kafka);
    const N = 40;
    for (let batch = 0; batch < 4; batch++) {
      const messages: Message[] = [];
      for (let i = batch * (N / 4); i < (batch + 1) * (N / 4); i++)
        messages.push({ key: `k${i}`, value: `v${i}`, partition: i % 2 });
      const res = await producer.send({ topic, acks, messages });
      if (acks === 0) {
        expect(res).toEqual([]);
      } else {
        expect(res.map((r) => r.errorCode)).toEqual([0, 0]);
        // base offsets advance by exactly the number of messages per partition per send
        for (const r of res) expect(r.baseOffset).toBe(String(batch * (N / 8)));
      }
    }
    await waitFor('high watermarks to reach 20/20', async () => {
      const o = await admin.fetchTopicOffsets(topic);
      return o.every((x) => x.high === String(N / 2));
    });
    const got = await consumeAll(topic, N);
    expect(got).toHaveLength(N);
    for (const p of [0, 1]) {
      const mine = got.filter((g) => g.partition === p);
      expect(mine.map((g) => g.message.offset)).toEqual(Array.from({ length: N / 2 }, (_, i) => String(i)));
      expect(mine.map((g) => g.message.key!.toString())).toEqual(
        Array.from({ length: N / 2 }, (_, i) => `k${2 * i + p}`),
      );
      expect(mine.map((g) => g.message.value!.toString())).toEqual(
        Array.from({ length: N / 2 }, (_, i) => `v${2 * i + p}`),
      );
    }
  });

  it('gzip-compressed batches round-trip byte-exact', async () => {
    const topic = uniqueName('gzip');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, 1);
    const producer = await ctx.producer(kafka);
    const values = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? randomBytes(64 + i) : Buffer.from(`order-${i} `.repeat(20)),
    );
    for (let i = 0; i < values.length; i += 100) {
      const res = await producer.send({
        topic,
        compression: CompressionTypes.GZIP,
        messages: values.slice(i, i + 100).map((value, j) => ({ key: `g${i + j}`, value })),
      });
      expect(res[0]!.errorCode).toBe(0);
      expect(res[0]!.baseOffset).toBe(String(i));
    }
    const got = await consumeAll(topic, values.length);
    expect(got.map((g) => g.message.offset)).toEqual(values.map((_, i) => String(i)));
    got.forEach((g, i) => {
      expect(g.message.key!.toString()).toBe(`g${i}`);
      expect(Buffer.compare(g.message.value!, values[i]!)).toBe(0);
    });
  });

  it('keys, null keys, tombstones, binary values, headers and timestamps round-trip exactly', async () => {
    const topic = uniqueName('exact');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, 1);
    const producer = await ctx.producer(kafka);
    const t0 = Date.now() - 60_000;
    const sent: Message[] = [
      { key: 'plain', value: 'hello', timestamp: String(t0) },
      { key: null, value: 'no key', timestamp: String(t0 + 1) },
      { key: 'tombstone', value: null, timestamp: String(t0 + 2) },
      { key: randomBytes(33), value: randomBytes(1000), timestamp: String(t0 + 3) },
      { key: 'empty', value: '', timestamp: String(t0 + 4) },
      { key: 'ünïcødé-🔑', value: 'värde-✓', timestamp: String(t0 + 5) },
      {
        key: 'with-headers',
        value: 'h',
        timestamp: String(t0 + 6),
        headers: { 'trace-id': 'abc-123', bin: randomBytes(16), empty: '', 'x-ünï': 'ç' },
      },
      {
        key: 'repeated-header',
        value: 'r',
        timestamp: String(t0 + 7),
        headers: { tag: ['one', 'two', 'three'] },
      },
    ];
    await producer.send({ topic, messages: sent });
    // second batch, gzip, with headers too: compressed + headers path
    const sent2: Message[] = Array.from({ length: 20 }, (_, i) => ({
      key: `c${i}`,
      value: `compressed ${i}`,
      timestamp: String(t0 + 100 + i),
      headers: { n: String(i), 'content-type': 'text/plain' },
    }));
    await producer.send({ topic, messages: sent2, compression: CompressionTypes.GZIP });
    const all = [...sent, ...sent2];

    const got = await consumeAll(topic, all.length);
    expect(got).toHaveLength(all.length);
    got.forEach(({ message }, i) => {
      const s = all[i]!;
      expect(message.offset).toBe(String(i));
      expect(message.timestamp).toBe(s.timestamp);
      const key = s.key === null || s.key === undefined ? null : Buffer.from(s.key);
      if (key === null) expect(message.key).toBeNull();
      else expect(Buffer.compare(message.key!, key)).toBe(0);
      const value = s.value === null || s.value === undefined ? null : Buffer.from(s.value);
      if (value === null) expect(message.value).toBeNull();
      else expect(Buffer.compare(message.value!, value)).toBe(0);
      const gotHeaders = headerBuffers(message.headers);
      const wantHeaders = headerBuffers(s.headers);
      expect(gotHeaders.map(([k, v]) => [k, v.map((b) => b.toString('hex'))])).toEqual(
        wantHeaders.map(([k, v]) => [k, v.map((b) => b.toString('hex'))]),
      );
    });
  });

  it('concurrent producers on one partition: every message exactly once, contiguous offsets, per-producer order kept', async () => {
    const topic = uniqueName('concurrent');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, 1);
    const PRODUCERS = 8;
    const SENDS = 25;
    const PER_SEND = 20;
    const producers = await Promise.all(
      Array.from({ length: PRODUCERS }, () => ctx.producer(ctx.kafka(broker))),
    );
    await Promise.all(
      producers.map(async (p, w) => {
        for (let s = 0; s < SENDS; s++) {
          await p.send({
            topic,
            acks: s % 2 === 0 ? -1 : 1,
            messages: Array.from({ length: PER_SEND }, (_, i) => ({
              key: `w${w}`,
              value: `${w}:${s * PER_SEND + i}`,
            })),
          });
        }
      }),
    );
    const total = PRODUCERS * SENDS * PER_SEND;
    const got = await consumeAll(topic, total);
    expect(got.map((g) => Number(g.message.offset))).toEqual(Array.from({ length: total }, (_, i) => i));
    for (let w = 0; w < PRODUCERS; w++) {
      const seq = got
        .filter((g) => g.message.key!.toString() === `w${w}`)
        .map((g) => Number(g.message.value!.toString().split(':')[1]));
      expect(seq).toEqual(Array.from({ length: SENDS * PER_SEND }, (_, i) => i));
    }
  });

  it('rejects produce to an unknown topic when auto-creation is off', async () => {
    const b = await ctx.startBroker({ autoCreateTopics: false });
    const kafka = ctx.kafka(b, { retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
    const producer = await ctx.producer(kafka, { allowAutoTopicCreation: true });
    const missing = uniqueName('nope');
    await expect(producer.send({ topic: missing, messages: [{ value: 'x' }] })).rejects.toThrow();
    const admin = await ctx.admin(kafka);
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('auto-creates a topic with defaultPartitions when enabled and the client allows it', async () => {
    const b = await ctx.startBroker({ autoCreateTopics: true, defaultPartitions: 3 });
    const kafka = ctx.kafka(b);
    const producer = await ctx.producer(kafka, { allowAutoTopicCreation: true });
    const topic = uniqueName('auto');
    const res = await producer.send({ topic, messages: [{ key: 'a', value: '1' }] });
    expect(res[0]!.errorCode).toBe(0);
    const admin = await ctx.admin(kafka);
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(md.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1);
  });
});
