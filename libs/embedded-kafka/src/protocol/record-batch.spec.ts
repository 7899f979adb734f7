import { gzipSync } from 'node:zlib';
import { Writer } from './primitives';
import {
  BATCH_HEADER_SIZE,
  InvalidBatchError,
  assignBaseOffset,
  batchCrcValid,
  buildBatch,
  findRecordAtOrAfter,
  readBatchHeader,
  splitAndValidateBatches,
} from './record-batch';

/** Encodes v2 records (length, attributes, timestampDelta, offsetDelta, key, value, headers). */
function records(tsDeltas: number[]): Buffer {
  const w = new Writer();
  tsDeltas.forEach((d, i) => {
    const inner = new Writer();
    inner
      .int8(0)
      .varlong(BigInt(d))
      .varint(i)
      .varint(-1)
      .varint(1)
      .raw(Buffer.from([65 + i]))
      .varint(0);
    const body = inner.toBuffer();
    w.varint(body.length).raw(body);
  });
  return w.toBuffer();
}

describe('record batch header', () => {
  it('parses every header field', () => {
    const b = buildBatch({
      baseOffset: 0,
      attributes: 1,
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_999,
      producerId: 4242,
      producerEpoch: 3,
      baseSequence: 17,
      recordsCount: 5,
      body: Buffer.alloc(30, 1),
    });
    const h = readBatchHeader(b);
    expect(h).toMatchObject({
      baseOffset: 0,
      size: BATCH_HEADER_SIZE + 30,
      magic: 2,
      attributes: 1,
      lastOffsetDelta: 4,
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_999,
      producerId: 4242,
      producerEpoch: 3,
      baseSequence: 17,
      recordsCount: 5,
    });
    expect(batchCrcValid(b, 0, h)).toBe(true);
  });

  it('splits a record set of several batches', () => {
    const a = buildBatch({ recordsCount: 2, body: Buffer.alloc(10) });
    const b = buildBatch({ recordsCount: 3, body: Buffer.alloc(20) });
    const parts = splitAndValidateBatches(Buffer.concat([a, b]));
    expect(parts.map((p) => [p.at, p.header.recordsCount])).toEqual([
      [0, 2],
      [a.length, 3],
    ]);
  });

  it('rejects a CRC mismatch, truncation, wrong magic and inconsistent counts', () => {
    const good = buildBatch({ recordsCount: 2, body: Buffer.alloc(10, 3) });
    const flipped = Buffer.from(good);
    flipped[good.length - 1] ^= 0xff;
    expect(() => splitAndValidateBatches(flipped)).toThrow(/CRC/);
    expect(() => splitAndValidateBatches(good.subarray(0, good.length - 1))).toThrow(InvalidBatchError);
    expect(() => splitAndValidateBatches(good.subarray(0, 20))).toThrow(InvalidBatchError);
    const magic1 = Buffer.from(good);
    magic1.writeInt8(1, 16);
    expect(() => splitAndValidateBatches(magic1)).toThrow(/magic/);
    const badCount = buildBatch({ recordsCount: 2 });
    badCount.writeInt32BE(5, 23); // lastOffsetDelta (not covered by... it is covered by CRC; still rejected)
    expect(() => splitAndValidateBatches(badCount)).toThrow(InvalidBatchError);
    const badLen = Buffer.from(good);
    badLen.writeInt32BE(3, 8);
    expect(() => splitAndValidateBatches(badLen)).toThrow(/batch length/);
    expect(() => splitAndValidateBatches(Buffer.alloc(0))).toThrow(/empty/);
  });

  it('assigns the base offset in place without invalidating the CRC', () => {
    const b = buildBatch({ recordsCount: 3, body: Buffer.alloc(8, 9) });
    assignBaseOffset(b, 123_456_789_012);
    const h = readBatchHeader(b);
    expect(h.baseOffset).toBe(123_456_789_012);
    expect(b.readInt32BE(12)).toBe(0); // partition leader epoch
    expect(batchCrcValid(b, 0, h)).toBe(true);
  });
});

describe('findRecordAtOrAfter', () => {
  const t0 = 1_700_000_000_000;
  const deltas = [0, 1000, 2000, 3000];

  it('finds the first record with timestamp >= ts in an uncompressed batch', () => {
    const b = buildBatch({
      baseOffset: 10,
      recordsCount: 4,
      firstTimestamp: t0,
      maxTimestamp: t0 + 3000,
      body: records(deltas),
    });
    const h = readBatchHeader(b);
    expect(findRecordAtOrAfter(b, h, t0)).toEqual({ offset: 10, timestamp: t0 });
    expect(findRecordAtOrAfter(b, h, t0 + 1)).toEqual({ offset: 11, timestamp: t0 + 1000 });
    expect(findRecordAtOrAfter(b, h, t0 + 3000)).toEqual({ offset: 13, timestamp: t0 + 3000 });
    expect(findRecordAtOrAfter(b, h, t0 + 3001)).toBeNull();
  });

  it('looks inside gzip batches', () => {
    const b = buildBatch({
      baseOffset: 0,
      attributes: 1,
      recordsCount: 4,
      firstTimestamp: t0,
      maxTimestamp: t0 + 3000,
      body: gzipSync(records(deltas)),
    });
    expect(findRecordAtOrAfter(b, readBatchHeader(b), t0 + 1500)).toEqual({
      offset: 2,
      timestamp: t0 + 2000,
    });
  });

  it('falls back to batch granularity for codecs it does not decode', () => {
    const b = buildBatch({
      baseOffset: 7,
      attributes: 2,
      recordsCount: 4,
      firstTimestamp: t0,
      maxTimestamp: t0 + 3000,
      body: Buffer.alloc(12),
    });
    expect(findRecordAtOrAfter(b, readBatchHeader(b), t0 + 1500)).toEqual({
      offset: 7,
      timestamp: t0 + 3000,
    });
  });
});
