// A deliberately independent, minimal Kafka wire-protocol client used by the integration tests to
// exercise the broker below what kafkajs exposes (exact duplicate batches, sequence gaps, raw fetch
// timing, malformed frames). It encodes only non-flexible ("classic") request versions and is
// written from the protocol guide, not from the broker's code, so it cross-checks the broker.
import net from 'node:net';

// ---------------------------------------------------------------------------------------------
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as required by RecordBatch v2.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < buf.length; i++) crc = CRC32C_TABLE[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
export class Writer {
  private chunks: Buffer[] = [];

  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.raw(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.raw(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.raw(b);
  }
  uint32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return this.raw(b);
  }
  int64(v: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    return this.raw(b);
  }
  /** zig-zag varint (int32 domain) */
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  /** zig-zag varlong */
  varlong(v: bigint | number): this {
    const n = BigInt(v);
    let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
    const out: number[] = [];
    while (z >= 0x80n) {
      out.push(Number((z & 0x7fn) | 0x80n));
      z >>= 7n;
    }
    out.push(Number(z));
    return this.raw(Buffer.from(out));
  }
  uvarint(v: number): this {
    const out: number[] = [];
    let z = v >>> 0;
    while (z >= 0x80) {
      out.push((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    out.push(z);
    return this.raw(Buffer.from(out));
  }
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).raw(b);
  }
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }
  bytes(b: Buffer | null): this {
    return b === null ? this.int32(-1) : this.int32(b.length).raw(b);
  }
  array<T>(items: readonly T[], each: (w: this, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  raw(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export class Reader {
  constructor(
    readonly buf: Buffer,
    public offset = 0,
  ) {}
  int8(): number {
    const v = this.buf.readInt8(this.offset);
    this.offset += 1;
    return v;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint32(): number {
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf[this.offset++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
    }
    return result >>> 0;
  }
  varint(): number {
    const z = this.uvarint();
    return (z >>> 1) ^ -(z & 1);
  }
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = BigInt(this.buf[this.offset++]!);
      result |= (byte & 0x7fn) << shift;
      if ((byte & 0x80n) === 0n) break;
      shift += 7n;
    }
    return (result >> 1n) ^ -(result & 1n);
  }
  string(): string {
    const len = this.int16();
    const s = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return s;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return s;
  }
  bytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    const b = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len;
    return b;
  }
  array<T>(each: (r: Reader) => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
  remaining(): number {
    return this.buf.length - this.offset;
  }
}

// ---------------------------------------------------------------------------------------------
// RecordBatch v2
export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<{ key: string; value: Buffer }>;
  timestampDelta?: number;
}

export interface RecordBatchSpec {
  baseOffset?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  baseTimestamp?: number;
  records: RawRecord[];
}

export function encodeRecordBatch(spec: RecordBatchSpec): Buffer {
  const baseTimestamp = spec.baseTimestamp ?? Date.now();
  const records = spec.records.map((r, i) => {
    const body = new Writer()
      .int8(0)
      .varlong(r.timestampDelta ?? 0)
      .varint(i);
    if (r.key === null) body.varint(-1);
    else body.varint(r.key.length).raw(r.key);
    if (r.value === null) body.varint(-1);
    else body.varint(r.value.length).raw(r.value);
    const headers = r.headers ?? [];
    body.varint(headers.length);
    for (const h of headers) {
      const k = Buffer.from(h.key, 'utf8');
      body.varint(k.length).raw(k).varint(h.value.length).raw(h.value);
    }
    const b = body.build();
    return new Writer().varint(b.length).raw(b).build();
  });
  const maxDelta = Math.max(0, ...spec.records.map((r) => r.timestampDelta ?? 0));
  // Everything from attributes to the end is covered by the CRC.
  const crcPart = new Writer()
    .int16(0) // attributes: no compression, CreateTime, not transactional, not control
    .int32(spec.records.length - 1) // lastOffsetDelta
    .int64(baseTimestamp)
    .int64(baseTimestamp + maxDelta)
    .int64(spec.producerId ?? -1n)
    .int16(spec.producerEpoch ?? -1)
    .int32(spec.baseSequence ?? -1)
    .int32(records.length)
    .raw(Buffer.concat(records))
    .build();
  const afterLength = new Writer()
    .int32(0) // partitionLeaderEpoch
    .int8(2) // magic
    .uint32(crc32c(crcPart))
    .raw(crcPart)
    .build();
  return new Writer()
    .int64(spec.baseOffset ?? 0n)
    .int32(afterLength.length)
    .raw(afterLength)
    .build();
}

export interface DecodedRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: string; value: Buffer | null }>;
}

/** Decodes uncompressed v2 record batches (what a Fetch returns for batches written by encodeRecordBatch). */
export function decodeRecordBatches(buf: Buffer): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  const r = new Reader(buf);
  while (r.remaining() >= 12) {
    const baseOffset = r.int64();
    const batchLength = r.int32();
    if (r.remaining() < batchLength) break; // partial trailing batch is allowed by the protocol
    const end = r.offset + batchLength;
    r.int32(); // partitionLeaderEpoch
    const magic = r.int8();
    if (magic !== 2) throw new Error(`unexpected magic ${magic}`);
    const crc = r.uint32();
    const actual = crc32c(buf.subarray(r.offset, end));
    if (crc !== actual) throw new Error(`CRC mismatch in batch at ${baseOffset}: ${crc} != ${actual}`);
    const attributes = r.int16();
    if ((attributes & 0x7) !== 0) throw new Error('compressed batches are not decoded by this helper');
    r.int32(); // lastOffsetDelta
    const baseTimestamp = r.int64();
    r.int64(); // maxTimestamp
    r.int64(); // producerId
    r.int16(); // producerEpoch
    r.int32(); // baseSequence
    const count = r.int32();
    for (let i = 0; i < count; i++) {
      r.varint(); // length
      r.int8(); // attributes
      const tsDelta = r.varlong();
      const offsetDelta = r.varint();
      const keyLen = r.varint();
      const key = keyLen < 0 ? null : Buffer.from(r.buf.subarray(r.offset, (r.offset += keyLen)));
      const valueLen = r.varint();
      const value = valueLen < 0 ? null : Buffer.from(r.buf.subarray(r.offset, (r.offset += valueLen)));
      const nh = r.varint();
      const headers: DecodedRecord['headers'] = [];
      for (let h = 0; h < nh; h++) {
        const kl = r.varint();
        const hk = r.buf.toString('utf8', r.offset, (r.offset += kl));
        const vl = r.varint();
        const hv = vl < 0 ? null : Buffer.from(r.buf.subarray(r.offset, (r.offset += vl)));
        headers.push({ key: hk, value: hv });
      }
      out.push({
        offset: baseOffset + BigInt(offsetDelta),
        timestamp: baseTimestamp + tsDelta,
        key,
        value,
        headers,
      });
    }
    r.offset = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  JoinGroup: 11,
  ApiVersions: 18,
  InitProducerId: 22,
} as const;

export const ErrorCode = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  UNSUPPORTED_VERSION: 35,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  MEMBER_ID_REQUIRED: 79,
} as const;

/** A single TCP connection speaking request header v1 / response header v0. */
export class RawClient {
  private socket!: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private nextCorrelationId = 1;
  private pending = new Map<number, { resolve: (r: Reader) => void; reject: (e: Error) => void }>();
  private closedError: Error | null = null;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  private constructor(private readonly clientId: string) {
    this.closed = new Promise((res) => (this.resolveClosed = res));
  }

  static async connect(host: string, port: number, clientId = 'raw-test-client'): Promise<RawClient> {
    const c = new RawClient(clientId);
    await new Promise<void>((resolve, reject) => {
      c.socket = net.connect({ host, port }, () => resolve());
      c.socket.once('error', reject);
    });
    c.socket.on('error', () => undefined);
    c.socket.on('data', (d) => c.onData(d));
    c.socket.on('close', () => {
      c.closedError = new Error('connection closed');
      for (const p of c.pending.values()) p.reject(c.closedError);
      c.pending.clear();
      c.resolveClosed();
    });
    return c;
  }

  get isClosed(): boolean {
    return this.closedError !== null;
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    while (this.buffer.length >= 4) {
      const size = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + size) return;
      const frame = this.buffer.subarray(4, 4 + size);
      this.buffer = this.buffer.subarray(4 + size);
      const r = new Reader(Buffer.from(frame));
      const correlationId = r.int32();
      const p = this.pending.get(correlationId);
      if (p) {
        this.pending.delete(correlationId);
        p.resolve(r);
      }
    }
  }

  /** Sends a request and resolves with a Reader positioned after the response header. */
  request(apiKey: number, apiVersion: number, body: Buffer, timeoutMs = 30_000): Promise<Reader> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelationId++;
    const payload = new Writer()
      .int16(apiKey)
      .int16(apiVersion)
      .int32(correlationId)
      .nullableString(this.clientId)
      .raw(body)
      .build();
    return new Promise<Reader>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`request ${apiKey}v${apiVersion} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.writeRaw(new Writer().int32(payload.length).raw(payload).build());
    });
  }

  /** Sends a request whose response is never expected (Produce acks=0). */
  send(apiKey: number, apiVersion: number, body: Buffer): void {
    const payload = new Writer()
      .int16(apiKey)
      .int16(apiVersion)
      .int32(this.nextCorrelationId++)
      .nullableString(this.clientId)
      .raw(body)
      .build();
    this.writeRaw(new Writer().int32(payload.length).raw(payload).build());
  }

  writeRaw(b: Buffer): void {
    this.socket.write(b);
  }

  close(): void {
    this.socket.destroy();
  }

  // --- typed helpers --------------------------------------------------------------------------

  async apiVersions(): Promise<{
    errorCode: number;
    apis: Array<{ apiKey: number; min: number; max: number }>;
  }> {
    const r = await this.request(ApiKey.ApiVersions, 0, Buffer.alloc(0));
    const errorCode = r.int16();
    const apis = r.array((x) => ({ apiKey: x.int16(), min: x.int16(), max: x.int16() }));
    return { errorCode, apis };
  }

  async initProducerId(): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
    const r = await this.request(
      ApiKey.InitProducerId,
      0,
      new Writer().nullableString(null).int32(60_000).build(),
    );
    r.int32(); // throttle
    const errorCode = r.int16();
    return { errorCode, producerId: r.int64(), producerEpoch: r.int16() };
  }

  /** Produce v7 to one partition. */
  async produce(
    topic: string,
    partition: number,
    batch: Buffer,
    acks = -1,
  ): Promise<{ errorCode: number; baseOffset: bigint; logStartOffset: bigint }> {
    const body = new Writer()
      .nullableString(null)
      .int16(acks)
      .int32(30_000)
      .array([topic], (w, t) =>
        w.string(t).array([partition], (w2, p) => {
          w2.int32(p).bytes(batch);
        }),
      )
      .build();
    const r = await this.request(ApiKey.Produce, 7, body);
    const responses = r.array((x) => {
      const name = x.string();
      const parts = x.array((y) => ({
        partition: y.int32(),
        errorCode: y.int16(),
        baseOffset: y.int64(),
        logAppendTime: y.int64(),
        logStartOffset: y.int64(),
      }));
      return { name, parts };
    });
    const p = responses[0]!.parts[0]!;
    return { errorCode: p.errorCode, baseOffset: p.baseOffset, logStartOffset: p.logStartOffset };
  }

  /** Fetch v4 for one partition. */
  async fetch(
    topic: string,
    partition: number,
    offset: bigint,
    opts: { maxWaitMs: number; minBytes: number; maxBytes?: number },
    timeoutMs = 30_000,
  ): Promise<{ errorCode: number; highWatermark: bigint; records: Buffer | null }> {
    const body = new Writer()
      .int32(-1)
      .int32(opts.maxWaitMs)
      .int32(opts.minBytes)
      .int32(opts.maxBytes ?? 1024 * 1024)
      .int8(0)
      .array([topic], (w, t) =>
        w.string(t).array([partition], (w2, p) => {
          w2.int32(p)
            .int64(offset)
            .int32(opts.maxBytes ?? 1024 * 1024);
        }),
      )
      .build();
    const r = await this.request(ApiKey.Fetch, 4, body, timeoutMs);
    r.int32(); // throttle
    const topics = r.array((x) => {
      x.string();
      return x.array((y) => {
        const p = { partition: y.int32(), errorCode: y.int16(), highWatermark: y.int64() };
        y.int64(); // last stable offset
        const aborted = y.int32();
        for (let i = 0; i < aborted; i++) {
          y.int64();
          y.int64();
        }
        return { ...p, records: y.bytes() };
      });
    });
    const p = topics[0]![0]!;
    return { errorCode: p.errorCode, highWatermark: p.highWatermark, records: p.records };
  }

  /** ListOffsets v1 for one partition: timestamp -1 = latest, -2 = earliest. */
  async listOffset(
    topic: string,
    partition: number,
    timestamp: bigint,
  ): Promise<{ errorCode: number; offset: bigint }> {
    const body = new Writer()
      .int32(-1)
      .array([topic], (w, t) =>
        w.string(t).array([partition], (w2, p) => {
          w2.int32(p).int64(timestamp);
        }),
      )
      .build();
    const r = await this.request(ApiKey.ListOffsets, 1, body);
    const topics = r.array((x) => {
      x.string();
      return x.array((y) => ({
        partition: y.int32(),
        errorCode: y.int16(),
        timestamp: y.int64(),
        offset: y.int64(),
      }));
    });
    const p = topics[0]![0]!;
    return { errorCode: p.errorCode, offset: p.offset };
  }

  /** JoinGroup v4 (the first version that may answer MEMBER_ID_REQUIRED). */
  async joinGroup(
    groupId: string,
    memberId: string,
    topics: string[],
    sessionTimeoutMs = 10_000,
  ): Promise<{
    errorCode: number;
    generationId: number;
    leader: string;
    memberId: string;
    members: string[];
  }> {
    // ConsumerProtocolMemberMetadata v0: version int16, topics [string], userData bytes
    const metadata = new Writer()
      .int16(0)
      .array(topics, (w, t) => {
        w.string(t);
      })
      .bytes(Buffer.alloc(0))
      .build();
    const body = new Writer()
      .string(groupId)
      .int32(sessionTimeoutMs)
      .int32(sessionTimeoutMs) // rebalance timeout
      .string(memberId)
      .string('consumer')
      .array([{ name: 'range', metadata }], (w, p) => {
        w.string(p.name).bytes(p.metadata);
      })
      .build();
    const r = await this.request(ApiKey.JoinGroup, 4, body);
    r.int32(); // throttle
    const errorCode = r.int16();
    const generationId = r.int32();
    r.string(); // protocol name
    const leader = r.string();
    const ownId = r.string();
    const members = r.array((x) => {
      const id = x.string();
      x.bytes();
      return id;
    });
    return { errorCode, generationId, leader, memberId: ownId, members };
  }
}
