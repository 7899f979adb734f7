// Fetch/ListOffsets edge cases at the wire level, and size/time retention moving the log start.
import { RunningBroker } from '../src';
import { createTopic, TestContext, uniqueName, waitFor } from './helpers/harness';
import { decodeRecordBatches, encodeRecordBatch, ErrorCode, RawClient } from './helpers/raw-protocol';

const OFFSET_OUT_OF_RANGE = 1;

describe('fetch semantics', () => {
  const ctx = new TestContext();
  let broker: RunningBroker;
  let c: RawClient;
  let topic: string;

  beforeAll(async () => {
    broker = await ctx.startBroker({ autoCreateTopics: false });
    topic = uniqueName('fetch');
    await createTopic(await ctx.admin(ctx.kafka(broker)), topic, 1);
    c = await RawClient.connect(broker.host, broker.port);
    ctx.onCleanup(() => c.close());
    // offsets 0..9 in one batch, 10..19 in a second
    for (const from of [0, 10]) {
      const batch = encodeRecordBatch({
        records: Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`r${from + i}`) })),
      });
      expect((await c.produce(topic, 0, batch)).baseOffset).toBe(BigInt(from));
    }
  });
  afterAll(async () => {
    await ctx.cleanup();
  });

  it('fetching past the high watermark is OFFSET_OUT_OF_RANGE; at the high watermark it is empty', async () => {
    expect((await c.fetch(topic, 0, 21n, { maxWaitMs: 0, minBytes: 0 })).errorCode).toBe(OFFSET_OUT_OF_RANGE);
    const atEnd = await c.fetch(topic, 0, 20n, { maxWaitMs: 0, minBytes: 0 });
    expect(atEnd.errorCode).toBe(ErrorCode.NONE);
    expect(atEnd.highWatermark).toBe(20n);
    expect(atEnd.records === null || atEnd.records.length === 0).toBe(true);
  });

  it('an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    expect((await c.fetch(uniqueName('missing'), 0, 0n, { maxWaitMs: 0, minBytes: 0 })).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect((await c.fetch(topic, 7, 0n, { maxWaitMs: 0, minBytes: 0 })).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    expect((await c.listOffset(topic, 7, -1n)).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('fetching from the middle of a batch returns a batch containing that offset, and the rest after it', async () => {
    const res = await c.fetch(topic, 0, 5n, { maxWaitMs: 0, minBytes: 0 });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    const offsets = decodeRecordBatches(res.records!).map((r) => r.offset);
    // whole batches are returned (clients skip the records before the fetch offset)
    expect(offsets.filter((o) => o >= 5n)).toEqual(Array.from({ length: 15 }, (_, i) => BigInt(5 + i)));
    expect(offsets[0]! <= 5n).toBe(true);
  });

  it('a tiny partition byte limit still returns one whole batch (progress guarantee, KIP-74)', async () => {
    const res = await c.fetch(topic, 0, 10n, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 });
    expect(res.errorCode).toBe(ErrorCode.NONE);
    const records = decodeRecordBatches(res.records!);
    expect(records.map((r) => r.value!.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => `r${10 + i}`),
    );
  });

  it('ListOffsets: earliest and latest', async () => {
    expect((await c.listOffset(topic, 0, -2n)).offset).toBe(0n);
    expect((await c.listOffset(topic, 0, -1n)).offset).toBe(20n);
  });
});

describe('retention', () => {
  const ctx = new TestContext();
  afterEach(async () => {
    await ctx.cleanup();
  });

  it('retentionBytes deletes old segments: the log start moves up, consumers start there, older offsets are out of range', async () => {
    const broker = await ctx.startBroker({ retentionBytes: 8 * 1024 });
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    const topic = uniqueName('ret-bytes');
    await createTopic(admin, topic, 1);
    const producer = await ctx.producer(kafka);
    const value = 'x'.repeat(200);
    for (let i = 0; i < 20; i++)
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, j) => ({ key: `k${i * 10 + j}`, value })),
      });
    const low = await waitFor(
      'the log start offset to advance',
      async () => {
        const [o] = await admin.fetchTopicOffsets(topic);
        return Number(o!.low) > 0 ? Number(o!.low) : null;
      },
      15_000,
      200,
    );
    const [o] = await admin.fetchTopicOffsets(topic);
    expect(o!.high).toBe('200');
    expect(low).toBeLessThan(200);
    // bounded: what is kept is in the order of retentionBytes (plus the active segment)
    expect((200 - low) * 230).toBeLessThan(3 * 8 * 1024);

    const c = await RawClient.connect(broker.host, broker.port);
    ctx.onCleanup(() => c.close());
    expect((await c.fetch(topic, 0, 0n, { maxWaitMs: 0, minBytes: 0 })).errorCode).toBe(OFFSET_OUT_OF_RANGE);
    expect((await c.listOffset(topic, 0, -2n)).offset).toBe(BigInt(low));

    const consumer = ctx.consumer(kafka, { groupId: uniqueName('ret-group'), maxWaitTimeInMs: 100 });
    const offsets: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void offsets.push(Number(message.offset)) });
    await waitFor('the retained messages', () => offsets.length >= 200 - low);
    expect(offsets[0]).toBe(low);
    expect(offsets.at(-1)).toBe(199);
  });

  it('retentionMs deletes records older than the retention time (by record timestamp)', async () => {
    const broker = await ctx.startBroker({ retentionMs: 60_000 });
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    const topic = uniqueName('ret-ms');
    await createTopic(admin, topic, 1);
    const producer = await ctx.producer(kafka);
    const old = String(Date.now() - 3_600_000);
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `old-${i}`, timestamp: old })),
    });
    await waitFor(
      'old records to expire',
      async () => (await admin.fetchTopicOffsets(topic))[0]!.low === '10',
      15_000,
      200,
    );
    await producer.send({ topic, messages: [{ value: 'fresh' }] });
    await new Promise((r) => setTimeout(r, 1500)); // at least one more retention pass
    const [o] = await admin.fetchTopicOffsets(topic);
    expect({ low: o!.low, high: o!.high }).toEqual({ low: '10', high: '11' });
  });
});
