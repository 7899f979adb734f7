import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assignBaseOffset, buildBatch, readBatchHeader } from '../protocol/record-batch';
import { LogConfig, PartitionLog, segmentFileName } from './partition-log';

const noLog = (): void => undefined;
const mem = (over: Partial<LogConfig> = {}): LogConfig => ({
  dir: null,
  segmentBytes: 1 << 30,
  retentionMs: -1,
  retentionBytes: -1,
  log: noLog,
  ...over,
});

function append(
  log: PartitionLog,
  recordsCount: number,
  opts: { ts?: number; bodyBytes?: number } = {},
): number {
  const b = buildBatch({
    recordsCount,
    firstTimestamp: opts.ts,
    maxTimestamp: opts.ts,
    body: Buffer.alloc(opts.bodyBytes ?? 10, 1),
  });
  return log.append(b, readBatchHeader(b), assignBaseOffset);
}

function offsetsOf(parts: Buffer[]): number[] {
  const out: number[] = [];
  for (const p of parts) {
    let at = 0;
    while (at < p.length) {
      const h = readBatchHeader(p, at);
      out.push(h.baseOffset);
      at += h.size;
    }
  }
  return out;
}

describe('PartitionLog (in memory)', () => {
  it('assigns consecutive offsets and advances the high watermark', () => {
    const log = PartitionLog.open('t', 0, mem());
    expect(append(log, 3)).toBe(0);
    expect(append(log, 2)).toBe(3);
    expect(log.highWatermark).toBe(5);
    expect(log.logStartOffset).toBe(0);
  });

  it('reads whole batches from the one containing the offset, bounded by maxBytes but at least one', () => {
    const log = PartitionLog.open('t', 0, mem());
    for (let i = 0; i < 5; i++) append(log, 2, { bodyBytes: 100 }); // each batch 161 bytes
    expect(offsetsOf(log.read(0, 1 << 20, false).parts)).toEqual([0, 2, 4, 6, 8]);
    expect(offsetsOf(log.read(3, 1 << 20, false).parts)).toEqual([2, 4, 6, 8]);
    expect(offsetsOf(log.read(0, 330, false).parts)).toEqual([0, 2]);
    expect(log.read(0, 10, false).parts).toEqual([]);
    expect(offsetsOf(log.read(0, 10, true).parts)).toEqual([0]);
    expect(log.read(10, 1 << 20, true).parts).toEqual([]);
    expect(log.bytesAfter(4)).toBe(3 * 161);
  });

  it('serves stored batches with the assigned offsets even though the producer sent 0', () => {
    const log = PartitionLog.open('t', 0, mem());
    append(log, 4);
    const b = buildBatch({ recordsCount: 1 });
    log.append(b, readBatchHeader(b), assignBaseOffset);
    const [stored] = log.read(4, 1 << 20, true).parts;
    expect(readBatchHeader(stored).baseOffset).toBe(4);
  });

  it('finds offsets by timestamp (first batch whose max timestamp >= ts)', () => {
    const log = PartitionLog.open('t', 0, mem());
    append(log, 1, { ts: 1000 });
    append(log, 1, { ts: 2000 });
    append(log, 1, { ts: 3000 });
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(log.offsetForTimestamp(1500)).toEqual({ offset: 1, timestamp: 2000 });
    expect(log.offsetForTimestamp(3000)).toEqual({ offset: 2, timestamp: 3000 });
    expect(log.offsetForTimestamp(3001)).toBeNull();
  });

  it('size retention deletes whole old segments and advances the log start offset', () => {
    const log = PartitionLog.open('t', 0, mem({ segmentBytes: 400, retentionBytes: 400 }));
    for (let i = 0; i < 10; i++) append(log, 1, { bodyBytes: 100 }); // 161 bytes each, 2 per segment
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.sizeBytes).toBeLessThanOrEqual(400 + 161 * 2);
    expect(log.highWatermark).toBe(10);
    expect(log.read(0, 1 << 20, true).parts).toEqual([]);
    expect(offsetsOf(log.read(log.logStartOffset, 1 << 20, true).parts)[0]).toBe(log.logStartOffset);
  });

  it('time retention deletes expired segments, including a fully expired active one', () => {
    const log = PartitionLog.open('t', 0, mem({ segmentBytes: 200, retentionMs: 1000 }));
    const now = Date.now();
    append(log, 1, { ts: now - 5000, bodyBytes: 100 });
    append(log, 1, { ts: now - 5000, bodyBytes: 100 });
    log.applyRetention(now);
    expect(log.logStartOffset).toBe(2);
    expect(log.highWatermark).toBe(2);
    append(log, 1, { ts: now, bodyBytes: 100 });
    log.applyRetention(now);
    expect(log.logStartOffset).toBe(2);
  });

  it('wakes waiters on append', () => {
    const log = PartitionLog.open('t', 0, mem());
    const seen: number[] = [];
    log.waiters.add(() => seen.push(log.highWatermark));
    append(log, 2);
    expect(seen).toEqual([2]);
  });
});

describe('PartitionLog (durable)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-log-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const disk = (over: Partial<LogConfig> = {}): LogConfig => ({ ...mem(over), dir, ...over });

  it('persists batches in segment files and rebuilds the index on reopen', async () => {
    const log = PartitionLog.open('t', 0, disk({ segmentBytes: 400 }));
    for (let i = 0; i < 5; i++) append(log, 3, { bodyBytes: 100 });
    await log.close();
    expect(fs.readdirSync(dir).sort()).toEqual([segmentFileName(0), segmentFileName(6), segmentFileName(12)]);
    const seen: number[] = [];
    const again = PartitionLog.open('t', 0, disk({ segmentBytes: 400 }), (h) => seen.push(h.baseOffset));
    expect(again.highWatermark).toBe(15);
    expect(seen).toEqual([0, 3, 6, 9, 12]);
    expect(offsetsOf(again.read(7, 1 << 20, true).parts)).toEqual([6, 9]);
    expect(append(again, 1)).toBe(15);
    await again.close();
  });

  it('truncates a torn tail batch on startup', async () => {
    const log = PartitionLog.open('t', 0, disk());
    append(log, 2, { bodyBytes: 50 });
    append(log, 2, { bodyBytes: 50 });
    await log.close();
    const file = path.join(dir, segmentFileName(0));
    const full = fs.statSync(file).size;
    fs.truncateSync(file, full - 7); // crash in the middle of the second batch
    const warnings: string[] = [];
    const again = PartitionLog.open(
      't',
      0,
      disk({ log: (lvl, msg) => lvl === 'warn' && warnings.push(msg) }),
    );
    expect(again.highWatermark).toBe(2);
    expect(fs.statSync(file).size).toBe(full / 2);
    expect(warnings.length).toBe(1);
    expect(append(again, 1)).toBe(2);
    await again.close();
  });

  it('truncates a tail batch whose CRC does not match', async () => {
    const log = PartitionLog.open('t', 0, disk());
    append(log, 1, { bodyBytes: 50 });
    append(log, 1, { bodyBytes: 50 });
    await log.close();
    const file = path.join(dir, segmentFileName(0));
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0xee]), 0, 1, fs.statSync(file).size - 3);
    fs.closeSync(fd);
    const again = PartitionLog.open('t', 0, disk());
    expect(again.highWatermark).toBe(1);
    await again.close();
  });

  it('destroy removes the partition directory', async () => {
    const log = PartitionLog.open('t', 0, disk());
    append(log, 1);
    await log.destroy();
    expect(fs.existsSync(dir)).toBe(false);
  });
});
