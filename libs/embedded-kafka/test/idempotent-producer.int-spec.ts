// Idempotent produce: exact duplicate batches are acknowledged with the original offset and stored
// once; sequence gaps are refused. Checked at the wire level (raw Produce v7) and through kafkajs
// with a real, provoked retry (response swallowed + connection cut by a proxy).
import { RunningBroker } from '../src';
import { FaultProxy } from './helpers/fault-proxy';
import { createTopic, TestContext, uniqueName, waitFor } from './helpers/harness';
import {
  decodeRecordBatches,
  encodeRecordBatch,
  ErrorCode,
  RawClient,
  RawRecord,
} from './helpers/raw-protocol';

const records = (from: number, n: number): RawRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    key: Buffer.from(`k${from + i}`),
    value: Buffer.from(`v${from + i}`),
  }));

describe('idempotent producer', () => {
  const ctx = new TestContext();
  let broker: RunningBroker;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    broker = await ctx.startBroker();
  });
  afterEach(() => {
    raws.splice(0).forEach((r) => r.close());
  });
  afterAll(async () => {
    await ctx.cleanup();
  });

  async function raw(): Promise<RawClient> {
    const c = await RawClient.connect(broker.host, broker.port);
    raws.push(c);
    return c;
  }

  async function topicWithOnePartition(): Promise<string> {
    const topic = uniqueName('idem');
    const admin = await ctx.admin(ctx.kafka(broker));
    await createTopic(admin, topic, 1);
    return topic;
  }

  it('wire level: a resent batch gets the same base offset and is stored once; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const topic = await topicWithOnePartition();
    const c = await raw();
    const pid = await c.initProducerId();
    expect(pid.errorCode).toBe(ErrorCode.NONE);
    expect(pid.producerId).toBeGreaterThanOrEqual(0n);
    expect(pid.producerEpoch).toBeGreaterThanOrEqual(0);

    const batch0 = encodeRecordBatch({
      producerId: pid.producerId,
      producerEpoch: pid.producerEpoch,
      baseSequence: 0,
      records: records(0, 5),
    });
    const first = await c.produce(topic, 0, batch0);
    expect(first).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });

    // The same bytes again (a retry after a lost response): acknowledged, original offset, not appended.
    const again = await c.produce(topic, 0, batch0);
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.baseOffset).toBe(0n);
    expect((await c.listOffset(topic, 0, -1n)).offset).toBe(5n);

    // A gap in the sequence (expected 5, got 10) is refused and nothing is appended.
    const gap = encodeRecordBatch({
      producerId: pid.producerId,
      producerEpoch: pid.producerEpoch,
      baseSequence: 10,
      records: records(100, 3),
    });
    const gapRes = await c.produce(topic, 0, gap);
    expect(gapRes.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await c.listOffset(topic, 0, -1n)).offset).toBe(5n);

    // The correct next sequence is accepted right after.
    const batch1 = encodeRecordBatch({
      producerId: pid.producerId,
      producerEpoch: pid.producerEpoch,
      baseSequence: 5,
      records: records(5, 5),
    });
    expect(await c.produce(topic, 0, batch1)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 5n });
    expect((await c.produce(topic, 0, batch1)).baseOffset).toBe(5n);

    // A second producer id has its own sequence space starting at 0.
    const other = await c.initProducerId();
    expect(other.producerId).not.toBe(pid.producerId);
    const otherBatch = encodeRecordBatch({
      producerId: other.producerId,
      producerEpoch: other.producerEpoch,
      baseSequence: 0,
      records: records(10, 2),
    });
    expect(await c.produce(topic, 0, otherBatch)).toMatchObject({
      errorCode: ErrorCode.NONE,
      baseOffset: 10n,
    });

    // The log holds each record exactly once, in order.
    const fetched = await c.fetch(topic, 0, 0n, { maxWaitMs: 0, minBytes: 0 });
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.highWatermark).toBe(12n);
    const decoded = decodeRecordBatches(fetched.records!);
    expect(decoded.map((r) => r.offset)).toEqual(Array.from({ length: 12 }, (_, i) => BigInt(i)));
    expect(decoded.map((r) => r.value!.toString())).toEqual(Array.from({ length: 12 }, (_, i) => `v${i}`));
  });

  it('wire level control: without a producer id the same batch is appended twice', async () => {
    const topic = await topicWithOnePartition();
    const c = await raw();
    const plain = encodeRecordBatch({ records: records(0, 4) });
    expect((await c.produce(topic, 0, plain)).baseOffset).toBe(0n);
    expect((await c.produce(topic, 0, plain)).baseOffset).toBe(4n);
    expect((await c.listOffset(topic, 0, -1n)).offset).toBe(8n);
  });

  it('wire level: a corrupted CRC is rejected and not appended', async () => {
    const topic = await topicWithOnePartition();
    const c = await raw();
    const batch = encodeRecordBatch({ records: records(0, 3) });
    batch[batch.length - 1] ^= 0xff; // flip the last byte of the last record's body
    const res = await c.produce(topic, 0, batch);
    expect(res.errorCode).not.toBe(ErrorCode.NONE); // CORRUPT_MESSAGE (2) in Apache Kafka
    expect((await c.listOffset(topic, 0, -1n)).offset).toBe(0n);
  });

  async function sendThroughFlakyProxy(
    idempotent: boolean,
  ): Promise<{ high: number; values: string[]; proxy: FaultProxy }> {
    const topic = await topicWithOnePartition();
    const proxy = await FaultProxy.start(broker.host, broker.port);
    ctx.onCleanup(() => proxy.stop());
    const kafka = ctx.kafka(broker, {
      socketFactory: proxy.socketFactory(),
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 500 },
    });
    const producer = await ctx.producer(
      kafka,
      idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {},
    );
    proxy.dropProduceResponses = 1;
    const res = await producer.send({
      topic,
      acks: -1,
      messages: records(0, 10).map((r) => ({ key: r.key, value: r.value })),
    });
    expect(res[0]!.errorCode).toBe(0);
    expect(proxy.droppedResponses).toBe(1);
    expect(proxy.requestsByApiKey.get(0)).toBeGreaterThanOrEqual(2); // the batch really was sent again

    const admin = await ctx.admin(ctx.kafka(broker));
    const [o] = await admin.fetchTopicOffsets(topic);
    const high = Number(o!.high);
    const c = await raw();
    const fetched = await c.fetch(topic, 0, 0n, { maxWaitMs: 0, minBytes: 0 });
    // kafkajs may compress nothing here (no compression configured), so the raw decoder applies.
    const values = decodeRecordBatches(fetched.records ?? Buffer.alloc(0)).map((r) => r.value!.toString());
    return { high, values, proxy };
  }

  it('kafkajs idempotent producer: a retry after a lost response does not duplicate', async () => {
    const { high, values } = await sendThroughFlakyProxy(true);
    expect(high).toBe(10);
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
  });

  it('kafkajs control: the same lost response without idempotence does duplicate (the retry is real)', async () => {
    const { high, values } = await sendThroughFlakyProxy(false);
    expect(high).toBe(20);
    expect(values).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `v${i}`),
      ...Array.from({ length: 10 }, (_, i) => `v${i}`),
    ]);
  });

  it('kafkajs idempotent producer: many sequential sends keep exact sequence (no gaps, no duplicates)', async () => {
    const topic = uniqueName('idem-seq');
    const kafka = ctx.kafka(broker);
    const admin = await ctx.admin(kafka);
    await createTopic(admin, topic, 3);
    const producer = await ctx.producer(kafka, { idempotent: true, maxInFlightRequests: 1 });
    for (let b = 0; b < 30; b++) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 30 }, (_, i) => ({
          key: `k${b * 30 + i}`,
          value: `v${b * 30 + i}`,
          partition: i % 3,
        })),
      });
    }
    await waitFor('all 900 messages', async () =>
      (await admin.fetchTopicOffsets(topic)).every((o) => o.high === '300'),
    );
  });
});
