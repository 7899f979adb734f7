// Magic v2 record batch header handling. The broker never looks inside the records: it validates the
// header + CRC, assigns offsets by patching baseOffset in place, and stores/serves the bytes as-is.
import { gunzipSync } from 'node:zlib';
import { crc32c } from './crc32c';
import { Reader } from './primitives';

/** Size of the fixed v2 batch header (baseOffset .. recordsCount). */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset (8) + batchLength (4): the part not counted by batchLength. */
export const LOG_OVERHEAD = 12;

const OFF_BATCH_LENGTH = 8;
const OFF_LEADER_EPOCH = 12;
const OFF_MAGIC = 16;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const OFF_LAST_OFFSET_DELTA = 23;
const OFF_FIRST_TIMESTAMP = 27;
const OFF_MAX_TIMESTAMP = 35;
const OFF_PRODUCER_ID = 43;
const OFF_PRODUCER_EPOCH = 51;
const OFF_BASE_SEQUENCE = 53;
const OFF_RECORDS_COUNT = 57;

export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

export interface BatchHeader {
  baseOffset: number;
  /** Total size in bytes of this batch including the 12-byte log overhead. */
  size: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export class InvalidBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBatchError';
  }
}

const TWO_32 = 4294967296;
function readI64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

/** Parses the header of the batch starting at `at`. Throws InvalidBatchError if it does not fit. */
export function readBatchHeader(buf: Buffer, at = 0, available = buf.length - at): BatchHeader {
  if (buf.length - at < BATCH_HEADER_SIZE) throw new InvalidBatchError('truncated batch header');
  const batchLength = buf.readInt32BE(at + OFF_BATCH_LENGTH);
  const size = batchLength + LOG_OVERHEAD;
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD)
    throw new InvalidBatchError(`invalid batch length ${batchLength}`);
  if (size > available) throw new InvalidBatchError('truncated batch');
  return {
    baseOffset: readI64(buf, at),
    size,
    magic: buf.readInt8(at + OFF_MAGIC),
    crc: buf.readUInt32BE(at + OFF_CRC),
    attributes: buf.readInt16BE(at + OFF_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(at + OFF_LAST_OFFSET_DELTA),
    firstTimestamp: readI64(buf, at + OFF_FIRST_TIMESTAMP),
    maxTimestamp: readI64(buf, at + OFF_MAX_TIMESTAMP),
    producerId: readI64(buf, at + OFF_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(at + OFF_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(at + OFF_BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(at + OFF_RECORDS_COUNT),
  };
}

/** True if the stored CRC matches CRC32C(attributes .. end of batch). */
export function batchCrcValid(buf: Buffer, at: number, h: BatchHeader): boolean {
  return crc32c(buf, at + OFF_ATTRIBUTES, at + h.size) === h.crc;
}

/** Splits a produce RECORDS payload into validated batches (magic 2, CRC ok, consistent counts). */
export function splitAndValidateBatches(records: Buffer): { header: BatchHeader; at: number }[] {
  const out: { header: BatchHeader; at: number }[] = [];
  let at = 0;
  while (at < records.length) {
    const h = readBatchHeader(records, at);
    if (h.magic !== 2) throw new InvalidBatchError(`unsupported magic ${h.magic}`);
    if (h.recordsCount <= 0 || h.lastOffsetDelta !== h.recordsCount - 1) {
      throw new InvalidBatchError(
        `inconsistent record count ${h.recordsCount} / lastOffsetDelta ${h.lastOffsetDelta}`,
      );
    }
    if (!batchCrcValid(records, at, h)) throw new InvalidBatchError('CRC mismatch');
    out.push({ header: h, at });
    at += h.size;
  }
  if (out.length === 0) throw new InvalidBatchError('empty record set');
  return out;
}

/** Writes the broker-assigned base offset (and leader epoch 0) into the batch in place; both lie outside the CRC. */
export function assignBaseOffset(batch: Buffer, baseOffset: number): void {
  const hi = Math.floor(baseOffset / TWO_32);
  batch.writeInt32BE(hi, 0);
  batch.writeUInt32BE(baseOffset - hi * TWO_32, 4);
  batch.writeInt32BE(0, OFF_LEADER_EPOCH);
}

export interface BatchSpec {
  baseOffset?: number;
  attributes?: number;
  firstTimestamp?: number;
  maxTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  recordsCount: number;
  /** Opaque record bytes; the broker never interprets them. */
  body?: Buffer;
}

/**
 * Builds a syntactically valid batch with a correct CRC. Used by tests and tools; the records body is
 * opaque to the broker, so callers may pass real encoded records or filler bytes.
 */
export function buildBatch(spec: BatchSpec): Buffer {
  const body = spec.body ?? Buffer.alloc(0);
  const buf = Buffer.alloc(BATCH_HEADER_SIZE + body.length);
  const ts = spec.firstTimestamp ?? Date.now();
  const w64 = (v: number, at: number): void => {
    const hi = Math.floor(v / TWO_32);
    buf.writeInt32BE(hi, at);
    buf.writeUInt32BE(v - hi * TWO_32, at + 4);
  };
  w64(spec.baseOffset ?? 0, 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, OFF_BATCH_LENGTH);
  buf.writeInt32BE(-1, OFF_LEADER_EPOCH);
  buf.writeInt8(2, OFF_MAGIC);
  buf.writeInt16BE(spec.attributes ?? 0, OFF_ATTRIBUTES);
  buf.writeInt32BE(spec.recordsCount - 1, OFF_LAST_OFFSET_DELTA);
  w64(ts, OFF_FIRST_TIMESTAMP);
  w64(spec.maxTimestamp ?? ts, OFF_MAX_TIMESTAMP);
  w64(spec.producerId ?? -1, OFF_PRODUCER_ID);
  buf.writeInt16BE(spec.producerEpoch ?? -1, OFF_PRODUCER_EPOCH);
  buf.writeInt32BE(spec.baseSequence ?? -1, OFF_BASE_SEQUENCE);
  buf.writeInt32BE(spec.recordsCount, OFF_RECORDS_COUNT);
  body.copy(buf, BATCH_HEADER_SIZE);
  buf.writeUInt32BE(crc32c(buf, OFF_ATTRIBUTES, buf.length), OFF_CRC);
  return buf;
}

const COMPRESSION_MASK = 0x07;
const COMPRESSION_GZIP = 1;

/**
 * Record-level timestamp lookup inside one stored batch (ListOffsets by timestamp, a rare admin path):
 * the first record with timestamp >= ts. Uncompressed and gzip batches are inspected record by record;
 * other codecs fall back to the batch granularity (base offset, max timestamp).
 */
export function findRecordAtOrAfter(
  batch: Buffer,
  h: BatchHeader,
  ts: number,
): { offset: number; timestamp: number } | null {
  if (h.maxTimestamp < ts) return null;
  const codec = h.attributes & COMPRESSION_MASK;
  let body: Buffer;
  try {
    if (codec === 0) body = batch.subarray(BATCH_HEADER_SIZE, h.size);
    else if (codec === COMPRESSION_GZIP) body = gunzipSync(batch.subarray(BATCH_HEADER_SIZE, h.size));
    else return { offset: h.baseOffset, timestamp: h.maxTimestamp };
    const r = new Reader(body);
    for (let i = 0; i < h.recordsCount && r.remaining > 0; i++) {
      const len = r.varint();
      const next = r.offset + len;
      if (len <= 0 || next > body.length) break;
      r.int8(); // attributes
      const timestamp = h.firstTimestamp + Number(r.varlong());
      const offsetDelta = r.varint();
      if (offsetDelta < 0 || offsetDelta > h.lastOffsetDelta) break;
      if (timestamp >= ts) return { offset: h.baseOffset + offsetDelta, timestamp };
      r.offset = next;
    }
  } catch {
    // Unparseable records: the batch-level answer is still correct at batch granularity.
  }
  return { offset: h.baseOffset, timestamp: h.maxTimestamp };
}
