// Big-endian Kafka wire primitives. Readers never copy: byte fields are subarrays of the frame.
// int64 values are exposed as JS numbers: every int64 the broker handles (offsets, timestamps,
// producer ids) fits in 2^53; the bigint varlong helpers exist for the varint edge cases only.

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const TWO_32 = 4294967296;

export class Reader {
  offset: number;
  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end)
      throw new ProtocolError(`truncated: need ${n} bytes at ${at}, have ${this.end - at}`);
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32BE(at) * TWO_32 + this.buf.readUInt32BE(at + 4);
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }

  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw new ProtocolError(`invalid string length ${len}`);
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolError('unexpected null string');
    return s;
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw new ProtocolError(`invalid bytes length ${len}`);
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }
  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }
  /** Array length prefix; -1 means null. Rejects lengths that cannot possibly fit the remaining bytes. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1 || n > this.remaining) throw new ProtocolError(`invalid array length ${n}`);
    return n;
  }

  /** Unsigned LEB128 varint (max 5 bytes, 32-bit). */
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf[this.need(1)];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new ProtocolError('varint overflow');
        return result;
      }
    }
    throw new ProtocolError('varint too long');
  }
  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }
  /** Zigzag-encoded signed 64-bit varint. */
  varlong(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.buf[this.need(1)];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffffffffffffn) throw new ProtocolError('varlong overflow');
        return (result >> 1n) ^ -(result & 1n);
      }
    }
    throw new ProtocolError('varlong too long');
  }
  /** Skips a tagged-field section (flexible versions); only used for the v2 request header. */
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.need(this.uvarint());
    }
  }
}

/**
 * Growable writer. Large byte fields (record batches) are kept by reference as separate chunks so a
 * Fetch response never copies log data; `finish()` returns the chunk list for a corked writev.
 */
export class Writer {
  private buf: Buffer;
  private pos = 0;
  private start = 0;
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;
  private static readonly BY_REFERENCE_MIN = 2048;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.chunkBytes + (this.pos - this.start);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + n + 256));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }
  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * TWO_32, this.pos + 4);
    this.pos += 8;
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  nullableString(v: string | null): this {
    if (v === null) return this.int16(-1);
    const len = Buffer.byteLength(v, 'utf8');
    this.int16(len);
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }
  string(v: string): this {
    return this.nullableString(v);
  }
  /** Raw bytes without a length prefix. */
  raw(v: Buffer): this {
    if (v.length >= Writer.BY_REFERENCE_MIN) {
      this.cut();
      this.chunks.push(v);
      this.chunkBytes += v.length;
      return this;
    }
    this.ensure(v.length);
    v.copy(this.buf, this.pos);
    this.pos += v.length;
    return this;
  }
  nullableBytes(v: Buffer | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    return this.raw(v);
  }
  bytes(v: Buffer): this {
    return this.nullableBytes(v);
  }
  /** Several buffers written back to back under one int32 length prefix (a Kafka RECORDS field). */
  records(parts: Buffer | readonly Buffer[] | null): this {
    if (parts === null) return this.int32(-1);
    if (Buffer.isBuffer(parts)) return this.bytes(parts);
    let total = 0;
    for (const p of parts) total += p.length;
    this.int32(total);
    for (const p of parts) this.raw(p);
    return this;
  }

  uvarint(v: number): this {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) throw new RangeError(`uvarint out of range: ${v}`);
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }
  varint(v: number): this {
    if (v < -0x80000000 || v > 0x7fffffff || !Number.isInteger(v))
      throw new RangeError(`varint out of range: ${v}`);
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  varlong(v: bigint): this {
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`varlong out of range: ${v}`);
    let u = (v << 1n) ^ (v >> 63n);
    if (u < 0n) u += 2n ** 64n;
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
    return this;
  }

  private cut(): void {
    if (this.pos > this.start) {
      const piece = this.buf.subarray(this.start, this.pos);
      this.chunks.push(piece);
      this.chunkBytes += piece.length;
      this.start = this.pos;
    }
  }

  /** The written bytes as a chunk list (no copies of by-reference buffers). The writer is spent afterwards. */
  finish(): Buffer[] {
    this.cut();
    return this.chunks;
  }

  /** The written bytes as one contiguous buffer. */
  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.chunkBytes);
  }
}
