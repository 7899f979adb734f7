import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Broker } from './broker';
import { ErrorCode } from './errors';
import { GroupCoordinator } from './group/coordinator';
import { OffsetStore } from './group/offset-store';
import { segmentFileName } from './log/partition-log';
import { TopicStore } from './log/topic-store';
import { ApiKey, FetchResponse, ProduceResponse, SCHEMAS } from './protocol/messages';
import { Reader, Writer } from './protocol/primitives';
import { buildBatch, readBatchHeader } from './protocol/record-batch';
import { Msg, decodeFields, encodeFields } from './protocol/schema';

const noLog = (): void => undefined;

function setup(over: { autoCreateTopics?: boolean } = {}): {
  call: (key: number, v: number, req: Msg) => Promise<Msg | null>;
  close: () => Promise<void>;
} {
  const topics = new TopicStore({
    dataDir: null,
    segmentBytes: 1 << 20,
    retentionMs: -1,
    retentionBytes: -1,
    log: noLog,
  });
  const groups = new GroupCoordinator({
    initialRebalanceDelayMs: 0,
    minSessionTimeoutMs: 100,
    maxSessionTimeoutMs: 60_000,
    log: noLog,
  });
  const offsets = new OffsetStore(null);
  const broker = new Broker(
    {
      nodeId: 1,
      advertisedHost: '127.0.0.1',
      port: 9092,
      defaultPartitions: 2,
      autoCreateTopics: over.autoCreateTopics ?? true,
      log: noLog,
    },
    topics,
    groups,
    offsets,
  );
  const call = async (key: number, v: number, req: Msg): Promise<Msg | null> => {
    const w = new Writer();
    encodeFields(w, SCHEMAS[key].request, req, v);
    const out = await broker.handle(
      { apiKey: key, apiVersion: v, correlationId: 1, clientId: 'c' },
      new Reader(w.toBuffer()),
      { clientHost: '/h', id: 1 },
    );
    if (out === null) return null;
    return decodeFields(new Reader(Buffer.concat(out)), SCHEMAS[key].response, v);
  };
  return {
    call,
    close: async () => {
      broker.stop();
      groups.close();
      await topics.close();
    },
  };
}

const produceReq = (topic: string, partition: number, records: Buffer, acks = -1): Msg => ({
  transactionalId: null,
  acks,
  timeoutMs: 1000,
  topics: [{ name: topic, partitions: [{ index: partition, records }] }],
});
const fetchReq = (topic: string, partition: number, offset: number, maxWaitMs = 0, minBytes = 1): Msg => ({
  replicaId: -1,
  maxWaitMs,
  minBytes,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [
    {
      topic,
      partitions: [
        {
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: offset,
          logStartOffset: -1,
          partitionMaxBytes: 1 << 20,
        },
      ],
    },
  ],
  forgottenTopicsData: [],
  rackId: '',
});
const part0 = (r: Msg | null): Msg =>
  (r as unknown as ProduceResponse).responses[0].partitions[0] as unknown as Msg;
const fpart0 = (r: Msg | null): FetchResponse['responses'][0]['partitions'][0] =>
  (r as unknown as FetchResponse).responses[0].partitions[0];

describe('Broker request handling', () => {
  let b: ReturnType<typeof setup>;
  beforeEach(() => {
    b = setup();
  });
  afterEach(() => b.close());

  it('produces (auto-creating the topic) and fetches the batch back with its assigned offset', async () => {
    expect(
      part0(await b.call(ApiKey.Produce, 7, produceReq('t', 1, buildBatch({ recordsCount: 3 })))),
    ).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(
      part0(await b.call(ApiKey.Produce, 7, produceReq('t', 1, buildBatch({ recordsCount: 2 })))),
    ).toMatchObject({ errorCode: 0, baseOffset: 3 });
    const f = fpart0(await b.call(ApiKey.Fetch, 11, fetchReq('t', 1, 3)));
    expect(f).toMatchObject({
      errorCode: 0,
      highWatermark: 5,
      lastStableOffset: 5,
      logStartOffset: 0,
      abortedTransactions: [],
      preferredReadReplica: -1,
    });
    expect(readBatchHeader(f.records as Buffer).baseOffset).toBe(3);
    const empty = fpart0(await b.call(ApiKey.Fetch, 11, fetchReq('t', 1, 5)));
    expect((empty.records as Buffer).length).toBe(0);
    expect(fpart0(await b.call(ApiKey.Fetch, 11, fetchReq('t', 1, 6))).errorCode).toBe(
      ErrorCode.OFFSET_OUT_OF_RANGE,
    );
    expect(fpart0(await b.call(ApiKey.Fetch, 11, fetchReq('t', 7, 0))).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
  });

  it('answers pre-v2-message-format Produce/Fetch versions with UNSUPPORTED_VERSION per partition', async () => {
    for (const v of [0, 1, 2]) {
      expect(
        part0(await b.call(ApiKey.Produce, v, produceReq('old', 0, buildBatch({ recordsCount: 1 })))),
      ).toMatchObject({
        index: 0,
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
      });
    }
    expect(
      await b.call(ApiKey.Produce, 2, produceReq('old', 0, buildBatch({ recordsCount: 1 }), 0)),
    ).toBeNull();
    for (const v of [0, 3]) {
      expect(fpart0(await b.call(ApiKey.Fetch, v, fetchReq('old', 0, 0))).errorCode).toBe(
        ErrorCode.UNSUPPORTED_VERSION,
      );
    }
    // nothing was appended or auto-created by the rejected requests
    const md = (await b.call(ApiKey.Metadata, 1, { topics: null })) as { topics: unknown[] };
    expect(md.topics).toEqual([]);
  });

  it('rejects corrupt batches and unknown partitions; acks=0 produces no response', async () => {
    const bad = buildBatch({ recordsCount: 1, body: Buffer.alloc(8) });
    bad[bad.length - 1] ^= 1;
    expect(part0(await b.call(ApiKey.Produce, 7, produceReq('t', 0, bad))).errorCode).toBe(
      ErrorCode.CORRUPT_MESSAGE,
    );
    expect(
      part0(await b.call(ApiKey.Produce, 7, produceReq('t', 5, buildBatch({ recordsCount: 1 })))).errorCode,
    ).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(
      await b.call(ApiKey.Produce, 3, produceReq('t', 0, buildBatch({ recordsCount: 1 }), 0)),
    ).toBeNull();
    const tx = { ...produceReq('t', 0, buildBatch({ recordsCount: 1 })), transactionalId: 'tx' };
    expect(part0(await b.call(ApiKey.Produce, 7, tx)).errorCode).toBe(
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    );
  });

  it('deduplicates idempotent retries with the original offset and rejects gaps', async () => {
    const init = await b.call(ApiKey.InitProducerId, 1, {
      transactionalId: null,
      transactionTimeoutMs: 1000,
    });
    expect(init).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const pid = (init as { producerId: number }).producerId;
    const batch = (seq: number, n: number): Buffer =>
      buildBatch({ producerId: pid, producerEpoch: 0, baseSequence: seq, recordsCount: n });
    expect(part0(await b.call(ApiKey.Produce, 7, produceReq('i', 0, batch(0, 5)))).baseOffset).toBe(0);
    expect(part0(await b.call(ApiKey.Produce, 7, produceReq('i', 0, batch(5, 5)))).baseOffset).toBe(5);
    expect(part0(await b.call(ApiKey.Produce, 7, produceReq('i', 0, batch(0, 5))))).toMatchObject({
      errorCode: 0,
      baseOffset: 0,
    });
    expect(part0(await b.call(ApiKey.Produce, 7, produceReq('i', 0, batch(20, 1)))).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    const lo = await b.call(ApiKey.ListOffsets, 3, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: 'i',
          partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }],
        },
      ],
    });
    expect((lo as { topics: { partitions: { offset: number }[] }[] }).topics[0].partitions[0].offset).toBe(
      10,
    );
    const tx = await b.call(ApiKey.InitProducerId, 1, { transactionalId: 'tx', transactionTimeoutMs: 1000 });
    expect(tx).toMatchObject({ errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1 });
  });

  it('long-polls a Fetch until data arrives, and answers by maxWait otherwise', async () => {
    await b.call(ApiKey.CreateTopics, 3, {
      topics: [{ name: 'lp', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    const t0 = Date.now();
    const waiting = b.call(ApiKey.Fetch, 11, fetchReq('lp', 0, 0, 5000));
    await new Promise((r) => setTimeout(r, 50));
    await b.call(ApiKey.Produce, 7, produceReq('lp', 0, buildBatch({ recordsCount: 1 })));
    const f = fpart0(await waiting);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(readBatchHeader(f.records as Buffer).baseOffset).toBe(0);
    const t1 = Date.now();
    const idle = fpart0(await b.call(ApiKey.Fetch, 11, fetchReq('lp', 0, 1, 150)));
    expect(Date.now() - t1).toBeGreaterThanOrEqual(140);
    expect((idle.records as Buffer).length).toBe(0);
  });

  it('lists offsets: earliest, latest, by timestamp and v0 old-style', async () => {
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 3; i++)
      await b.call(
        ApiKey.Produce,
        7,
        produceReq('lo', 0, buildBatch({ recordsCount: 2, firstTimestamp: t0 + i * 1000 })),
      );
    const q = async (
      timestamp: number,
      v = 3,
    ): Promise<{ offset: number; timestamp: number; oldStyleOffsets: number[] }> => {
      const r = await b.call(ApiKey.ListOffsets, v, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [
          {
            name: 'lo',
            partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }],
          },
        ],
      });
      return (
        r as unknown as {
          topics: { partitions: { offset: number; timestamp: number; oldStyleOffsets: number[] }[] }[];
        }
      ).topics[0].partitions[0];
    };
    expect((await q(-2)).offset).toBe(0);
    expect((await q(-1)).offset).toBe(6);
    expect(await q(t0 + 1000)).toMatchObject({ offset: 2, timestamp: t0 + 1000 });
    expect(await q(t0 + 5000)).toMatchObject({ offset: -1, timestamp: -1 });
    expect((await q(-1, 0)).oldStyleOffsets).toEqual([6]);
  });

  it('creates and deletes topics with Kafka error codes', async () => {
    const create = (
      name: string,
      numPartitions: number,
      validateOnly = false,
      replicationFactor = 1,
    ): Promise<Msg | null> =>
      b.call(ApiKey.CreateTopics, 3, {
        topics: [{ name, numPartitions, replicationFactor, assignments: [], configs: [] }],
        timeoutMs: 1000,
        validateOnly,
      });
    const err = (r: Msg | null): number => (r as { topics: { errorCode: number }[] }).topics[0].errorCode;
    expect(err(await create('a', 3, true))).toBe(0);
    const md = async (): Promise<string[]> =>
      (
        (await b.call(ApiKey.Metadata, 6, { topics: null, allowAutoTopicCreation: false })) as {
          topics: { name: string }[];
        }
      ).topics.map((t) => t.name);
    expect(await md()).toEqual([]); // validateOnly created nothing
    expect(err(await create('a', 3))).toBe(0);
    expect(err(await create('a', 3))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(err(await create('b', 0))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(err(await create('c', 1, false, 3))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(err(await create('bad/name', 1))).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(err(await create('d', -1))).toBe(0); // v4 semantics: broker default
    const del = (await b.call(ApiKey.DeleteTopics, 1, { topicNames: ['a', 'zz'], timeoutMs: 1000 })) as {
      responses: { errorCode: number }[];
    };
    expect(del.responses.map((r) => r.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await md()).toEqual(['d']);
  });

  it('does not auto-create when disabled or not allowed by the request', async () => {
    const c = setup({ autoCreateTopics: false });
    try {
      const r = (await c.call(ApiKey.Metadata, 6, {
        topics: [{ name: 'x' }],
        allowAutoTopicCreation: true,
      })) as { topics: { errorCode: number }[] };
      expect(r.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      expect(
        part0(await c.call(ApiKey.Produce, 7, produceReq('x', 0, buildBatch({ recordsCount: 1 })))).errorCode,
      ).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    } finally {
      await c.close();
    }
    const r = (await b.call(ApiKey.Metadata, 6, {
      topics: [{ name: 'y' }],
      allowAutoTopicCreation: false,
    })) as { topics: { errorCode: number }[] };
    expect(r.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('commits and fetches offsets (standalone commit on an unknown group)', async () => {
    await b.call(ApiKey.Produce, 7, produceReq('o', 0, buildBatch({ recordsCount: 1 })));
    const commit = (await b.call(ApiKey.OffsetCommit, 5, {
      groupId: 'g',
      generationId: -1,
      memberId: '',
      topics: [
        {
          name: 'o',
          partitions: [
            { partitionIndex: 0, committedOffset: 1, committedMetadata: 'm' },
            { partitionIndex: 9, committedOffset: 1, committedMetadata: null },
          ],
        },
      ],
    })) as { topics: { partitions: { errorCode: number }[] }[] };
    expect(commit.topics[0].partitions.map((p) => p.errorCode)).toEqual([
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    const fetched = (await b.call(ApiKey.OffsetFetch, 4, {
      groupId: 'g',
      topics: [{ name: 'o', partitionIndexes: [0, 1] }],
    })) as {
      topics: { partitions: { committedOffset: number; metadata: string | null }[] }[];
    };
    expect(fetched.topics[0].partitions.map((p) => [p.committedOffset, p.metadata])).toEqual([
      [1, 'm'],
      [-1, ''],
    ]);
    const all = (await b.call(ApiKey.OffsetFetch, 4, { groupId: 'g', topics: null })) as {
      topics: { name: string }[];
    };
    expect(all.topics.map((t) => t.name)).toEqual(['o']);
    const gen = (await b.call(ApiKey.OffsetCommit, 5, {
      groupId: 'g2',
      generationId: 4,
      memberId: 'm',
      topics: [
        { name: 'o', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
      ],
    })) as {
      topics: { partitions: { errorCode: number }[] }[];
    };
    expect(gen.topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it('deletes empty groups with their offsets, refusing unknown and non-empty ones', async () => {
    await b.call(ApiKey.Produce, 7, produceReq('dg', 0, buildBatch({ recordsCount: 1 })));
    await b.call(ApiKey.OffsetCommit, 5, {
      groupId: 'gone',
      generationId: -1,
      memberId: '',
      topics: [
        { name: 'dg', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
      ],
    });
    const joined = await b.call(ApiKey.JoinGroup, 3, {
      groupId: 'busy',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    expect(joined?.errorCode).toBe(0);
    const res = (await b.call(ApiKey.DeleteGroups, 1, { groupsNames: ['gone', 'busy', 'never'] })) as {
      results: { groupId: string; errorCode: number }[];
    };
    expect(res.results.map((r) => r.errorCode)).toEqual([
      0,
      ErrorCode.NON_EMPTY_GROUP,
      ErrorCode.GROUP_ID_NOT_FOUND,
    ]);
    const fetched = (await b.call(ApiKey.OffsetFetch, 4, {
      groupId: 'gone',
      topics: [{ name: 'dg', partitionIndexes: [0] }],
    })) as { topics: { partitions: { committedOffset: number }[] }[] };
    expect(fetched.topics[0].partitions[0].committedOffset).toBe(-1);
    const listed = (await b.call(ApiKey.ListGroups, 2, {})) as { groups: { groupId: string }[] };
    expect(listed.groups.map((g) => g.groupId)).toEqual(['busy']);
  });

  it('answers FindCoordinator with itself and refuses transaction coordinators', async () => {
    expect(await b.call(ApiKey.FindCoordinator, 2, { key: 'g', keyType: 0 })).toMatchObject({
      errorCode: 0,
      nodeId: 1,
      host: '127.0.0.1',
      port: 9092,
    });
    expect(await b.call(ApiKey.FindCoordinator, 0, { key: 'g' })).toMatchObject({ errorCode: 0, nodeId: 1 });
    expect((await b.call(ApiKey.FindCoordinator, 2, { key: 'tx', keyType: 1 }))?.errorCode).toBe(
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    );
  });
});

describe('Broker storage failures', () => {
  const fullDevice = '/dev/full'; // every write fails with ENOSPC (Linux)
  const maybe = fs.existsSync(fullDevice) ? it : it.skip;

  maybe('answers KAFKA_STORAGE_ERROR when the segment write fails, and keeps serving', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-io-'));
    const errors: string[] = [];
    const log = (level: string, msg: string): void => {
      if (level === 'error') errors.push(msg);
    };
    const opts = { dataDir: dir, segmentBytes: 1 << 20, retentionMs: -1, retentionBytes: -1, log };
    const first = new TopicStore(opts);
    first.create('io', 2);
    await first.close();
    // partition 0's active segment now points at a device that rejects every write
    const seg = path.join(dir, 'io-0', segmentFileName(0));
    fs.rmSync(seg);
    fs.symlinkSync(fullDevice, seg);
    const topics = new TopicStore(opts);
    const groups = new GroupCoordinator({
      initialRebalanceDelayMs: 0,
      minSessionTimeoutMs: 100,
      maxSessionTimeoutMs: 60_000,
      log,
    });
    const broker = new Broker(
      {
        nodeId: 1,
        advertisedHost: '127.0.0.1',
        port: 9092,
        defaultPartitions: 1,
        autoCreateTopics: true,
        log,
      },
      topics,
      groups,
      new OffsetStore(null),
    );
    const produce = async (partition: number): Promise<Msg> => {
      const w = new Writer();
      encodeFields(
        w,
        SCHEMAS[ApiKey.Produce].request,
        produceReq('io', partition, buildBatch({ recordsCount: 2 })),
        7,
      );
      const out = await broker.handle(
        { apiKey: 0, apiVersion: 7, correlationId: 1, clientId: 'c' },
        new Reader(w.toBuffer()),
        {
          clientHost: '/h',
          id: 1,
        },
      );
      return part0(decodeFields(new Reader(Buffer.concat(out ?? [])), SCHEMAS[ApiKey.Produce].response, 7));
    };
    try {
      expect((await produce(0)).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(errors).toContain('log append failed');
      expect(topics.get('io')?.partitions[0].log.highWatermark).toBe(0);
      expect(await produce(1)).toMatchObject({ errorCode: 0, baseOffset: 0 });
    } finally {
      broker.stop();
      groups.close();
      await topics.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
