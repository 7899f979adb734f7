// Fetch long-polling: a waiting fetch is woken by new data, an idle one returns at maxWait (not
// earlier, not much later), minBytes is honoured.
import { performance } from 'node:perf_hooks';
import { RunningBroker } from '../src';
import { createTopic, sleep, TestContext, uniqueName, waitFor } from './helpers/harness';
import { decodeRecordBatches, ErrorCode, RawClient } from './helpers/raw-protocol';

describe('fetch long-poll', () => {
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

  async function emptyTopic(): Promise<string> {
    const topic = uniqueName('poll');
    const admin = await ctx.admin(ctx.kafka(broker));
    await createTopic(admin, topic, 1);
    return topic;
  }

  it('an idle fetch returns empty after about maxWait', async () => {
    const topic = await emptyTopic();
    const c = await raw();
    for (const maxWaitMs of [300, 1000]) {
      const t0 = performance.now();
      const res = await c.fetch(topic, 0, 0n, { maxWaitMs, minBytes: 1 });
      const took = performance.now() - t0;
      expect(res.errorCode).toBe(ErrorCode.NONE);
      expect(res.highWatermark).toBe(0n);
      expect(res.records === null || res.records.length === 0).toBe(true);
      expect(took).toBeGreaterThanOrEqual(maxWaitMs * 0.8);
      expect(took).toBeLessThan(maxWaitMs + 1500);
    }
    // maxWait 0 → immediate
    const t0 = performance.now();
    await c.fetch(topic, 0, 0n, { maxWaitMs: 0, minBytes: 1 });
    expect(performance.now() - t0).toBeLessThan(250);
  });

  it('a waiting fetch is answered as soon as a record is produced', async () => {
    const topic = await emptyTopic();
    const c = await raw();
    const t0 = performance.now();
    const pending = c.fetch(topic, 0, 0n, { maxWaitMs: 10_000, minBytes: 1 });
    await sleep(400);
    const producer = await ctx.producer(ctx.kafka(broker));
    const tProduce = performance.now();
    await producer.send({ topic, messages: [{ key: 'wake', value: 'up' }] });
    const res = await pending;
    const tDone = performance.now();
    expect(tDone - t0).toBeGreaterThanOrEqual(350); // it really waited for data
    expect(tDone - tProduce).toBeLessThan(1500); // and did not sit out the 10 s
    const records = decodeRecordBatchesLoose(res.records);
    expect(records.map((r) => `${r.key}=${r.value}`)).toEqual(['wake=up']);
  });

  it('minBytes holds the response until enough data or maxWait', async () => {
    const topic = await emptyTopic();
    const producer = await ctx.producer(ctx.kafka(broker));
    await producer.send({ topic, messages: [{ value: 'small' }] });
    const c = await raw();
    const t0 = performance.now();
    const res = await c.fetch(topic, 0, 0n, { maxWaitMs: 700, minBytes: 1024 * 1024 });
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(500);
    expect(took).toBeLessThan(3000);
    expect(decodeRecordBatchesLoose(res.records).map((r) => r.value)).toEqual(['small']);
  });

  it('kafkajs: a consumer idling with a long maxWaitTimeInMs gets a new message promptly', async () => {
    const topic = await emptyTopic();
    const kafka = ctx.kafka(broker);
    const consumer = ctx.consumer(kafka, {
      groupId: uniqueName('poll-group'),
      maxWaitTimeInMs: 5000,
      heartbeatInterval: 1000,
      sessionTimeout: 15_000,
    });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    let fetchStarts = 0;
    consumer.on(consumer.events.FETCH_START, () => void fetchStarts++);
    const arrivals: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => void arrivals.push(performance.now()) });
    await waitFor('consumer to join and start fetching', () => joined && fetchStarts > 0);
    await sleep(500); // it is now parked in a long poll
    const producer = await ctx.producer(kafka);
    for (let i = 0; i < 3; i++) {
      const sent = performance.now();
      await producer.send({ topic, messages: [{ value: `m${i}` }] });
      await waitFor(`message ${i}`, () => arrivals.length === i + 1, 10_000, 5);
      expect(arrivals[i]! - sent).toBeLessThan(1500); // far less than the 5 s long-poll
      await sleep(300);
    }
  });
});

function decodeRecordBatchesLoose(buf: Buffer | null): Array<{ key: string | null; value: string | null }> {
  if (!buf || buf.length === 0) return [];
  return decodeRecordBatches(buf).map((r) => ({
    key: r.key?.toString() ?? null,
    value: r.value?.toString() ?? null,
  }));
}
