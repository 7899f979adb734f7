import { ProtocolError, Reader, Writer } from './primitives';

const bytes = (w: Writer): Buffer => w.toBuffer();

describe('Writer/Reader primitives', () => {
  it('round-trips fixed-width integers including extremes', () => {
    const w = new Writer(4);
    w.int8(-128).int8(127).int16(-32768).int16(32767).int32(-2147483648).int32(2147483647).uint32(0xffffffff);
    const int64s = [
      0,
      -1,
      1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      -4294967296,
      4294967296,
      1700000000000,
    ];
    for (const v of int64s) w.int64(v);
    const r = new Reader(bytes(w));
    expect([r.int8(), r.int8(), r.int16(), r.int16(), r.int32(), r.int32(), r.uint32()]).toEqual([
      -128, 127, -32768, 32767, -2147483648, 2147483647, 0xffffffff,
    ]);
    for (const v of int64s) expect(r.int64()).toBe(v);
    expect(r.remaining).toBe(0);
  });

  it('encodes int64 big-endian two’s complement', () => {
    expect(bytes(new Writer().int64(-1)).toString('hex')).toBe('ffffffffffffffff');
    expect(bytes(new Writer().int64(1)).toString('hex')).toBe('0000000000000001');
    expect(bytes(new Writer().int64(-2)).toString('hex')).toBe('fffffffffffffffe');
  });

  it('round-trips strings, nullable strings and bytes', () => {
    const w = new Writer();
    w.string('héllo')
      .nullableString(null)
      .string('')
      .bytes(Buffer.from([1, 2, 3]))
      .nullableBytes(null);
    const r = new Reader(bytes(w));
    expect(r.string()).toBe('héllo');
    expect(r.nullableString()).toBeNull();
    expect(r.string()).toBe('');
    expect([...r.bytes()]).toEqual([1, 2, 3]);
    expect(r.nullableBytes()).toBeNull();
  });

  it('keeps large byte fields by reference and reassembles them in order', () => {
    const big = Buffer.alloc(10_000, 7);
    const w = new Writer();
    w.int32(1)
      .records([big, Buffer.from([9]), big])
      .int16(5);
    const chunks = w.finish();
    expect(chunks).toContain(big);
    const all = Buffer.concat(chunks);
    const r = new Reader(all);
    expect(r.int32()).toBe(1);
    const rec = r.nullableBytes();
    expect(rec?.length).toBe(20_001);
    expect(rec?.[10_000]).toBe(9);
    expect(r.int16()).toBe(5);
  });

  describe('varints', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [-1, '01'],
      [1, '02'],
      [63, '7e'],
      [-64, '7f'],
      [64, '8001'],
      [2147483647, 'feffffff0f'],
      [-2147483648, 'ffffffff0f'],
    ];
    it.each(cases)('zigzag varint %d ⇄ %s', (value, hex) => {
      expect(bytes(new Writer().varint(value)).toString('hex')).toBe(hex);
      expect(new Reader(Buffer.from(hex, 'hex')).varint()).toBe(value);
    });

    const longs: bigint[] = [0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 31n, -(2n ** 31n) - 1n];
    it.each(longs)('zigzag varlong %s round-trips', (value) => {
      const buf = bytes(new Writer().varlong(value));
      const r = new Reader(buf);
      expect(r.varlong()).toBe(value);
      expect(r.remaining).toBe(0);
    });

    it('encodes varlong extremes in 10 bytes', () => {
      expect(bytes(new Writer().varlong(2n ** 63n - 1n)).toString('hex')).toBe('feffffffffffffffff01');
      expect(bytes(new Writer().varlong(-(2n ** 63n))).toString('hex')).toBe('ffffffffffffffffff01');
    });

    it('rejects out-of-range values and overlong encodings', () => {
      expect(() => new Writer().varint(2147483648)).toThrow(RangeError);
      expect(() => new Writer().varlong(2n ** 63n)).toThrow(RangeError);
      expect(() => new Reader(Buffer.from('ffffffffff7f', 'hex')).uvarint()).toThrow(ProtocolError);
      expect(() => new Reader(Buffer.from('80', 'hex')).uvarint()).toThrow(ProtocolError);
    });

    it('skips tagged fields', () => {
      const r = new Reader(Buffer.from('02' + '01' + '02abcd' + '05' + '00' + 'ee', 'hex'));
      r.skipTaggedFields();
      expect(r.int8()).toBe(-18);
    });
  });

  describe('malformed input', () => {
    it('throws ProtocolError on truncation', () => {
      expect(() => new Reader(Buffer.from([0, 0, 0])).int32()).toThrow(ProtocolError);
      expect(() => new Reader(Buffer.from([0, 5, 65])).string()).toThrow(ProtocolError);
      expect(() => new Reader(Buffer.from([0, 0, 0, 9, 1])).bytes()).toThrow(ProtocolError);
    });
    it('rejects negative lengths other than -1 and impossible array lengths', () => {
      expect(() => new Reader(Buffer.from([0xff, 0xfe])).nullableString()).toThrow(ProtocolError);
      expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xfe])).nullableBytes()).toThrow(ProtocolError);
      expect(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).arrayLength()).toThrow(ProtocolError);
      expect(new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff])).arrayLength()).toBe(-1);
    });
    it('rejects a null non-nullable string', () => {
      expect(() => new Reader(Buffer.from([0xff, 0xff])).string()).toThrow(ProtocolError);
    });
  });
});
