// CRC32C (Castagnoli, reflected polynomial 0x82F63B78) as used by Kafka record batches (magic v2).
// It runs over every produced batch, so it is the broker's hottest loop: slicing-by-8 over one flat
// Int32Array table (int32 arithmetic stays unboxed), reading aligned 32-bit little-endian words.
import { endianness } from 'node:os';

const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  let c = T[i];
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[k * 256 + i] = c;
  }
}
const LITTLE_ENDIAN = endianness() === 'LE';

/** CRC32C of buf[start, end), continuing from `seed` (a previous result). Returns an unsigned 32-bit integer. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  let crc = ~seed | 0;
  let i = start;
  if (LITTLE_ENDIAN) {
    // Byte-wise up to 4-byte alignment of the underlying memory, then 8 bytes per step as two words.
    while (i < end && ((buf.byteOffset + i) & 3) !== 0) crc = T[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
    const steps = (end - i) >>> 3;
    if (steps > 0) {
      const w = new Int32Array(buf.buffer, buf.byteOffset + i, steps * 2);
      for (let k = 0; k < w.length; k += 2) {
        const a = w[k] ^ crc;
        const b = w[k + 1];
        crc =
          T[1792 + (a & 0xff)] ^
          T[1536 + ((a >>> 8) & 0xff)] ^
          T[1280 + ((a >>> 16) & 0xff)] ^
          T[1024 + (a >>> 24)] ^
          T[768 + (b & 0xff)] ^
          T[512 + ((b >>> 8) & 0xff)] ^
          T[256 + ((b >>> 16) & 0xff)] ^
          T[b >>> 24];
      }
      i += steps * 8;
    }
  }
  while (i < end) crc = T[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
