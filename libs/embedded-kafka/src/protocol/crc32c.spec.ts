import { crc32c } from './crc32c';

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('gives 0 for empty input', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('is independent of memory alignment and sub-ranges', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog, again and again and again.');
    const expected = crc32c(data);
    for (let pad = 0; pad < 9; pad++) {
      const big = Buffer.alloc(data.length + pad + 5, 0xaa);
      data.copy(big, pad);
      expect(crc32c(big, pad, pad + data.length)).toBe(expected);
      // a view whose byteOffset is unaligned
      expect(crc32c(big.subarray(pad, pad + data.length))).toBe(expected);
    }
  });

  it('can be continued from a previous value (seed)', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
    for (const cut of [0, 1, 3, 8, 13, 500, 999, 1000]) {
      expect(crc32c(data, cut, data.length, crc32c(data, 0, cut))).toBe(crc32c(data));
    }
  });

  it('detects a single flipped bit', () => {
    const data = Buffer.alloc(4096, 0x5a);
    const before = crc32c(data);
    data[2049] ^= 0x01;
    expect(crc32c(data)).not.toBe(before);
  });
});
