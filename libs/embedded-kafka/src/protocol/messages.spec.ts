import { ApiKey, SCHEMAS } from './messages';
import { Reader, Writer } from './primitives';
import { Field, FieldType, Msg, decodeFields, encodeFields, fieldDefault } from './schema';

/** Deterministic sample: every field present in version v gets a distinctive value; absent ones get the decode default. */
function sample(fields: readonly Field[], v: number, seed: { n: number }): Msg {
  const m: Msg = {};
  for (const fld of fields) {
    m[fld.name] = v >= fld.min && v <= fld.max ? sampleValue(fld.type, v, seed) : fieldDefault(fld);
  }
  return m;
}

function sampleValue(t: FieldType, v: number, seed: { n: number }): unknown {
  const n = ++seed.n;
  if (typeof t !== 'string') {
    const item = (): unknown =>
      typeof t.array === 'string' ? sampleValue(t.array, v, seed) : sample(t.array, v, seed);
    return [item(), item()];
  }
  switch (t) {
    case 'int8':
      return (n % 100) - 50;
    case 'int16':
      return ((n * 3) % 30_000) - 1000;
    case 'int32':
      return ((n * 100_003) % 2_000_000_000) - 7;
    case 'int64':
      return n * 4_294_967_311 - 3;
    case 'bool':
      return n % 2 === 0;
    case 'string':
      return `s${n}-ü`;
    case 'nstring':
      return n % 3 === 0 ? null : `n${n}`;
    case 'bytes':
      return Buffer.from([n & 0xff, 1, 2]);
    case 'nbytes':
    case 'records':
      return n % 3 === 0 ? null : Buffer.from([n & 0xff, 9]);
  }
}

function roundTrip(
  fields: readonly Field[],
  m: Msg,
  v: number,
): { decoded: Msg; bytes: Buffer; rest: number } {
  const w = new Writer();
  encodeFields(w, fields, m, v);
  const bytes = w.toBuffer();
  const r = new Reader(bytes);
  const decoded = decodeFields(r, fields, v);
  return { decoded, bytes, rest: r.remaining };
}

const cases: [string, number, number][] = [];
for (const [key, s] of Object.entries(SCHEMAS))
  for (let v = s.min; v <= s.max; v++) cases.push([s.name, Number(key), v]);

describe('message schemas', () => {
  it.each(cases)('%s (key %d) v%d: request and response round-trip', (_name, key, v) => {
    const schema = SCHEMAS[key];
    for (const fields of [schema.request, schema.response]) {
      const m = sample(fields, v, { n: key * 1000 + v * 10 });
      const { decoded, bytes, rest } = roundTrip(fields, m, v);
      expect(rest).toBe(0);
      expect(decoded).toEqual(m);
      // re-encoding the decoded message is byte-identical
      const w = new Writer();
      encodeFields(w, fields, decoded, v);
      expect(w.toBuffer().equals(bytes)).toBe(true);
    }
  });

  it('only advertises non-flexible versions', () => {
    // First flexible version of each API (from the Kafka message definitions).
    const firstFlexible: Record<number, number> = {
      [ApiKey.Produce]: 9,
      [ApiKey.Fetch]: 12,
      [ApiKey.ListOffsets]: 6,
      [ApiKey.Metadata]: 9,
      [ApiKey.OffsetCommit]: 8,
      [ApiKey.OffsetFetch]: 6,
      [ApiKey.FindCoordinator]: 3,
      [ApiKey.JoinGroup]: 6,
      [ApiKey.Heartbeat]: 4,
      [ApiKey.LeaveGroup]: 4,
      [ApiKey.SyncGroup]: 4,
      [ApiKey.DescribeGroups]: 5,
      [ApiKey.ListGroups]: 3,
      [ApiKey.ApiVersions]: 3,
      [ApiKey.CreateTopics]: 5,
      [ApiKey.DeleteTopics]: 4,
      [ApiKey.InitProducerId]: 2,
      [ApiKey.DeleteGroups]: 2,
    };
    for (const [key, s] of Object.entries(SCHEMAS)) {
      expect(firstFlexible[Number(key)]).toBeDefined();
      expect(s.max).toBeLessThan(firstFlexible[Number(key)]);
    }
  });

  it('covers the versions kafkajs 2.2.4 and librdkafka 2.0.2 pick', () => {
    const picks: [number, number][] = [
      [ApiKey.Produce, 7],
      [ApiKey.Fetch, 11],
      [ApiKey.ListOffsets, 3],
      [ApiKey.ListOffsets, 2],
      [ApiKey.Metadata, 6],
      [ApiKey.Metadata, 4],
      [ApiKey.OffsetCommit, 5],
      [ApiKey.OffsetCommit, 7],
      [ApiKey.OffsetFetch, 4],
      [ApiKey.OffsetFetch, 5],
      [ApiKey.FindCoordinator, 2],
      [ApiKey.JoinGroup, 5],
      [ApiKey.SyncGroup, 3],
      [ApiKey.Heartbeat, 3],
      [ApiKey.LeaveGroup, 3],
      [ApiKey.LeaveGroup, 1],
      [ApiKey.ApiVersions, 2],
      [ApiKey.ApiVersions, 0],
      [ApiKey.CreateTopics, 3],
      [ApiKey.CreateTopics, 4],
      [ApiKey.DeleteTopics, 1],
      [ApiKey.InitProducerId, 1],
      [ApiKey.DescribeGroups, 2],
      [ApiKey.ListGroups, 2],
    ];
    for (const [key, v] of picks) {
      expect(v).toBeGreaterThanOrEqual(SCHEMAS[key].min);
      expect(v).toBeLessThanOrEqual(SCHEMAS[key].max);
    }
  });

  it('decodes a kafkajs-style Metadata v1+ null topic array as null (all topics) and v0 empty as []', () => {
    const fields = SCHEMAS[ApiKey.Metadata].request;
    const nullTopics = Buffer.from('ffffffff' + '01', 'hex'); // topics=null, allowAutoTopicCreation=true
    expect(decodeFields(new Reader(nullTopics), fields, 4).topics).toBeNull();
    expect(decodeFields(new Reader(Buffer.from('00000000', 'hex')), fields, 0).topics).toEqual([]);
  });

  it('encodes a Fetch v11 partition with an empty record set as length 0 (not null)', () => {
    const fields = SCHEMAS[ApiKey.Fetch].response;
    const w = new Writer();
    encodeFields(
      w,
      fields,
      {
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: 0,
        responses: [
          {
            topic: 't',
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                highWatermark: 5,
                lastStableOffset: 5,
                logStartOffset: 0,
                abortedTransactions: [],
                preferredReadReplica: -1,
                records: [],
              },
            ],
          },
        ],
      },
      11,
    );
    const hex = w.toBuffer().toString('hex');
    // ... abortedTransactions count 0, preferredReadReplica -1, records length 0
    expect(hex.endsWith('00000000' + 'ffffffff' + '00000000')).toBe(true);
  });

  it('encodes the ApiVersions v0 response exactly', () => {
    const w = new Writer();
    encodeFields(
      w,
      SCHEMAS[ApiKey.ApiVersions].response,
      { errorCode: 0, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }], throttleTimeMs: 0 },
      0,
    );
    expect(w.toBuffer().toString('hex')).toBe('0000' + '00000001' + '0012' + '0000' + '0002');
  });

  it('fails on a truncated request instead of inventing values', () => {
    const fields = SCHEMAS[ApiKey.Produce].request;
    const m = sample(fields, 7, { n: 1 });
    const { bytes } = roundTrip(fields, m, 7);
    for (const cut of [1, 5, bytes.length - 1]) {
      expect(() => decodeFields(new Reader(bytes.subarray(0, cut)), fields, 7)).toThrow();
    }
  });
});
