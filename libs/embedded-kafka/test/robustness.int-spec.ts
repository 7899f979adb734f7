// Hostile or broken connections must not take the broker down or disturb other clients.
import net from 'node:net';
import { Admin, Producer } from 'kafkajs';
import { RunningBroker } from '../src';
import { createTopic, TestContext, uniqueName, withTimeout } from './helpers/harness';
import { ApiKey, ErrorCode, RawClient, Writer } from './helpers/raw-protocol';

/** Opens a socket, writes `bytes`, and resolves how the broker reacted within `ms`. */
function poke(
  broker: RunningBroker,
  bytes: Buffer,
  ms = 1500,
): Promise<{ closed: boolean; received: Buffer }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let closed = false;
    const s = net.connect({ host: broker.host, port: broker.port }, () => s.write(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => undefined);
    const finish = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({ closed, received: Buffer.concat(chunks) });
    };
    // resolve as soon as the broker hangs up, or after `ms` if it keeps the connection open
    s.on('close', () => {
      closed = true;
      finish();
    });
    const timer = setTimeout(finish, ms);
  });
}

/** Deterministic pseudo-random bytes (xorshift32), so every run sends the same garbage. */
function garbage(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

const frame = (payload: Buffer): Buffer => new Writer().int32(payload.length).raw(payload).build();
const header = (apiKey: number, apiVersion: number, correlationId = 7): Writer =>
  new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).nullableString('robustness');

describe('robustness against malformed input', () => {
  const ctx = new TestContext();
  let broker: RunningBroker;
  let admin: Admin;
  let producer: Producer;
  let topic: string;
  let sent = 0;

  beforeAll(async () => {
    broker = await ctx.startBroker({ maxRequestBytes: 1024 * 1024 });
    const kafka = ctx.kafka(broker);
    admin = await ctx.admin(kafka);
    producer = await ctx.producer(kafka);
    topic = uniqueName('robust');
    await createTopic(admin, topic, 1);
  });
  afterAll(async () => {
    await ctx.cleanup();
  });

  // After every abuse, the long-lived kafkajs clients (on their own connections) keep working,
  // and a brand-new connection is accepted too.
  afterEach(async () => {
    const res = await withTimeout(
      producer.send({ topic, messages: [{ value: `still-alive-${sent}` }] }),
      10_000,
      'produce after abuse',
    );
    expect(res[0]!.errorCode).toBe(0);
    sent++;
    const [o] = await admin.fetchTopicOffsets(topic);
    expect(o!.high).toBe(String(sent));
    const fresh = await RawClient.connect(broker.host, broker.port);
    const versions = await fresh.apiVersions();
    expect(versions.errorCode).toBe(0);
    fresh.close();
  });

  it.each([1, 2, 3, 4])('pseudo-random garbage (seed %i)', async (seed) => {
    const r = await poke(broker, garbage(4096, seed));
    // whatever the junk length prefix says (huge, negative, small), nothing sensible can come back
    expect(r.received.length === 0 || r.closed).toBe(true);
  });

  it('garbage inside a small, well-sized frame', async () => {
    const r = await poke(broker, frame(garbage(64, 99)));
    expect(r.closed || r.received.length > 0).toBe(true);
  });

  it('plain text (an HTTP request) on the Kafka port', async () => {
    const r = await poke(broker, Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    expect(r.closed).toBe(true); // 'GET ' as a length is ~1.2 GB → over maxRequestBytes → connection closed
  });

  it('a frame with a huge declared length is refused without buffering it', async () => {
    const r = await poke(broker, new Writer().int32(0x7fffffff).raw(Buffer.alloc(64)).build());
    expect(r.closed).toBe(true);
  });

  it('a negative frame length', async () => {
    const r = await poke(broker, new Writer().int32(-5).raw(Buffer.alloc(8)).build());
    expect(r.closed).toBe(true);
  });

  it('a truncated frame followed by a hang-up', async () => {
    const full = frame(
      header(ApiKey.Metadata, 1)
        .array([topic], (w, t) => void w.string(t))
        .build(),
    );
    await poke(broker, full.subarray(0, full.length - 5), 300);
  });

  it('a truncated frame on a connection kept open does not block others', async () => {
    const s = net.connect({ host: broker.host, port: broker.port });
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write(new Writer().int32(1000).raw(Buffer.alloc(10)).build()); // promises 1000 bytes, sends 10
    const res = await withTimeout(
      producer.send({ topic, messages: [{ value: 'meanwhile' }] }),
      10_000,
      'produce while a frame is pending',
    );
    expect(res[0]!.errorCode).toBe(0);
    sent++;
    s.destroy();
  });

  it('a frame whose body is shorter than its header claims', async () => {
    const r = await poke(broker, frame(Buffer.from([0x00, 0x03, 0x00])));
    expect(r.closed).toBe(true);
  });

  it('a well-framed Metadata request with a garbage body', async () => {
    const r = await poke(
      broker,
      frame(
        header(ApiKey.Metadata, 1)
          .raw(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]))
          .build(),
      ),
    );
    // Apache Kafka closes such a connection; a broker may also answer with an error. It must not crash.
    expect(r.closed || r.received.length > 0).toBe(true);
  });

  it('an unknown API key', async () => {
    const r = await poke(broker, frame(header(9999, 0).build()));
    expect(r.closed || r.received.length > 0).toBe(true);
  });

  it('an unsupported ApiVersions version gets UNSUPPORTED_VERSION with the supported ranges (KIP-511)', async () => {
    const c = await RawClient.connect(broker.host, broker.port);
    try {
      const r = await c.request(ApiKey.ApiVersions, 999, Buffer.alloc(0), 5000);
      expect(r.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
      const apis = r.array((x) => ({ apiKey: x.int16(), min: x.int16(), max: x.int16() }));
      expect(apis.find((a) => a.apiKey === ApiKey.ApiVersions)).toBeDefined();
    } finally {
      c.close();
    }
  });

  it('an unsupported version of another API', async () => {
    const r = await poke(broker, frame(header(ApiKey.Produce, 999).raw(Buffer.alloc(16)).build()));
    expect(r.closed || r.received.length > 0).toBe(true);
  });

  it('a Produce with a corrupt record batch length', async () => {
    const body = new Writer()
      .nullableString(null)
      .int16(-1)
      .int32(1000)
      .array([topic], (w, t) =>
        w.string(t).array([0], (w2, p) => void w2.int32(p).int32(500).raw(Buffer.alloc(20))),
      )
      .build();
    const r = await poke(broker, frame(header(ApiKey.Produce, 7).raw(body).build()));
    expect(r.closed || r.received.length > 0).toBe(true);
  });

  it('many connections opened and dropped at once', async () => {
    await Promise.all(Array.from({ length: 200 }, () => poke(broker, Buffer.from([0, 0]), 100)));
  });

  it('the ApiVersions table advertises the APIs the clients need', async () => {
    const c = await RawClient.connect(broker.host, broker.port);
    try {
      const { errorCode, apis } = await c.apiVersions();
      expect(errorCode).toBe(0);
      const keys = new Set(apis.map((a) => a.apiKey));
      // Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup,
      // Heartbeat, LeaveGroup, SyncGroup, DescribeGroups, ListGroups, ApiVersions, CreateTopics,
      // DeleteTopics, InitProducerId
      for (const k of [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22])
        expect(keys).toContain(k);
      for (const a of apis) expect(a.min).toBeLessThanOrEqual(a.max);
    } finally {
      c.close();
    }
  });
});
