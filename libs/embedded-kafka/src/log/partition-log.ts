// The log of one topic-partition: an ordered list of segments, the high watermark (next offset; there is
// no replication so every appended batch is committed) and the log start offset (advanced by retention).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BATCH_HEADER_SIZE,
  BatchHeader,
  InvalidBatchError,
  batchCrcValid,
  findRecordAtOrAfter,
  readBatchHeader,
} from '../protocol/record-batch';
import { Segment } from './segment';

export type LogFn = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface LogConfig {
  /** Directory of this partition; null = in-memory. */
  dir: string | null;
  segmentBytes: number;
  retentionMs: number;
  retentionBytes: number;
  log: LogFn;
}

export interface ReadResult {
  parts: Buffer[];
  bytes: number;
}

const SEGMENT_SUFFIX = '.log';

export function segmentFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0') + SEGMENT_SUFFIX;
}

export class PartitionLog {
  private segments: Segment[] = [];
  logStartOffset = 0;
  /** Callbacks fired after every append (long-polling fetches). */
  readonly waiters = new Set<() => void>();

  private constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly cfg: LogConfig,
  ) {}

  get highWatermark(): number {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /**
   * Opens the log. For a directory, segments are scanned to rebuild the index; a torn or corrupt tail
   * (crash during write) is truncated. `onBatch` sees every recovered batch header (producer state).
   */
  static open(
    topic: string,
    partition: number,
    cfg: LogConfig,
    onBatch?: (h: BatchHeader) => void,
  ): PartitionLog {
    const log = new PartitionLog(topic, partition, cfg);
    if (cfg.dir === null) {
      log.segments.push(Segment.inMemory(0));
      return log;
    }
    fs.mkdirSync(cfg.dir, { recursive: true });
    const files = fs
      .readdirSync(cfg.dir)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .sort();
    let expected = -1;
    for (let i = 0; i < files.length; i++) {
      const file = path.join(cfg.dir, files[i]);
      const base = Number(files[i].slice(0, 20));
      if (expected !== -1 && base !== expected) {
        cfg.log('warn', 'segment gap or overlap; dropping later segments', { file, expected });
        for (const f of files.slice(i)) fs.rmSync(path.join(cfg.dir, f), { force: true });
        break;
      }
      const seg = Segment.file(base, file);
      const ok = recoverSegment(seg, file, i === files.length - 1, cfg.log, onBatch);
      log.segments.push(seg);
      expected = seg.nextOffset;
      if (!ok && i < files.length - 1) {
        cfg.log('warn', 'corrupt segment before the tail; dropping later segments', { file });
        for (const f of files.slice(i + 1)) fs.rmSync(path.join(cfg.dir, f), { force: true });
        break;
      }
    }
    if (log.segments.length === 0) log.segments.push(Segment.file(0, path.join(cfg.dir, segmentFileName(0))));
    log.logStartOffset = log.segments[0].baseOffset;
    return log;
  }

  /** Appends one validated batch, assigning offsets [base, base + lastOffsetDelta]. Returns base. */
  append(batch: Buffer, h: BatchHeader, assign: (batch: Buffer, base: number) => void): number {
    let seg = this.active;
    if (seg.size > 0 && seg.size + batch.length > this.cfg.segmentBytes) seg = this.roll();
    const base = seg.nextOffset;
    assign(batch, base);
    seg.append(batch, base, base + h.lastOffsetDelta, h.maxTimestamp);
    if (this.cfg.retentionBytes >= 0) this.applyRetention(Date.now());
    for (const w of this.waiters) w();
    return base;
  }

  private roll(): Segment {
    const base = this.active.nextOffset;
    const seg =
      this.cfg.dir === null
        ? Segment.inMemory(base)
        : Segment.file(base, path.join(this.cfg.dir, segmentFileName(base)));
    this.segments.push(seg);
    return seg;
  }

  private segmentFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Whole batches starting with the one containing `offset`, up to `maxBytes`. With `minOne`, the first
   * batch is returned even if larger than maxBytes, so an oversized batch can never block a consumer.
   */
  read(offset: number, maxBytes: number, minOne: boolean): ReadResult {
    if (offset < this.logStartOffset || offset >= this.highWatermark) return { parts: [], bytes: 0 };
    let si = this.segmentFor(offset);
    let seg = this.segments[si];
    let from = seg.findBatch(offset);
    // The offset may sit exactly at a segment boundary (segment fully consumed).
    while (from >= seg.batchCount && si < this.segments.length - 1) {
      seg = this.segments[++si];
      from = seg.findBatch(offset);
    }
    if (from >= seg.batchCount) return { parts: [], bytes: 0 };
    let to = from;
    let bytes = 0;
    while (to < seg.batchCount) {
      const next = seg.bytesBetween(to, to + 1);
      if (bytes + next > maxBytes && !(minOne && to === from)) break;
      bytes += next;
      to++;
    }
    return { parts: seg.read(from, to), bytes };
  }

  /** Bytes available from `offset` to the end of the log (upper bound used by minBytes checks). */
  bytesAfter(offset: number): number {
    if (offset < this.logStartOffset || offset >= this.highWatermark) return 0;
    let total = 0;
    for (let si = this.segmentFor(offset); si < this.segments.length; si++) {
      const seg = this.segments[si];
      const from = seg.findBatch(offset);
      total += seg.bytesBetween(from, seg.batchCount);
    }
    return total;
  }

  /** First record with timestamp >= ts (Kafka's ListOffsets semantics): its offset and timestamp; null if none. */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null {
    for (const seg of this.segments) {
      if (seg.maxTimestamp < ts) continue;
      for (let i = 0; i < seg.batchCount; i++) {
        if (seg.batchMaxTs[i] < ts) continue;
        const [batch] = seg.read(i, i + 1);
        const found = findRecordAtOrAfter(batch, readBatchHeader(batch, 0), ts);
        if (found) return { offset: Math.max(found.offset, this.logStartOffset), timestamp: found.timestamp };
      }
    }
    return null;
  }

  /** Deletes whole non-active segments beyond the size limit or older than the time limit. */
  applyRetention(now: number): void {
    const { retentionBytes, retentionMs } = this.cfg;
    let removed = false;
    if (retentionMs >= 0) {
      // A fully expired active segment is rolled first so it can be deleted too (as Kafka does).
      const act = this.active;
      if (act.size > 0 && act.maxTimestamp < now - retentionMs) this.roll();
      while (this.segments.length > 1 && this.segments[0].maxTimestamp < now - retentionMs) {
        void this.segments.shift()?.destroy();
        removed = true;
      }
    }
    if (retentionBytes >= 0) {
      let excess = this.sizeBytes - retentionBytes;
      while (this.segments.length > 1 && excess - this.segments[0].size >= 0) {
        const seg = this.segments.shift();
        if (!seg) break;
        excess -= seg.size;
        void seg.destroy();
        removed = true;
      }
    }
    if (removed) {
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0].baseOffset);
      this.cfg.log('debug', 'retention deleted segments', {
        topic: this.topic,
        partition: this.partition,
        logStartOffset: this.logStartOffset,
      });
    }
  }

  flush(): Promise<void> {
    return Promise.all(this.segments.map((s) => s.flush())).then(() => undefined);
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    for (const s of this.segments) await s.close();
  }

  /** Closes and deletes all data (topic deletion). */
  async destroy(): Promise<void> {
    for (const w of this.waiters) w();
    for (const s of this.segments) await s.destroy();
    this.segments = [];
    if (this.cfg.dir !== null) fs.rmSync(this.cfg.dir, { recursive: true, force: true });
  }
}

/** Scans a segment file, indexing valid batches and truncating at the first invalid one. Returns false if truncated. */
function recoverSegment(
  seg: Segment,
  file: string,
  isTail: boolean,
  log: LogFn,
  onBatch?: (h: BatchHeader) => void,
): boolean {
  const fileSize = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  let pos = 0;
  let ok = true;
  try {
    const head = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
    while (pos < fileSize) {
      if (fileSize - pos < BATCH_HEADER_SIZE) {
        ok = false;
        break;
      }
      fs.readSync(fd, head, 0, BATCH_HEADER_SIZE, pos);
      const size = head.readInt32BE(8) + 12;
      if (size < BATCH_HEADER_SIZE || pos + size > fileSize) {
        ok = false;
        break;
      }
      let h: BatchHeader;
      try {
        if (isTail) {
          // The tail may hold a partially written batch: verify the full CRC there.
          const full = Buffer.allocUnsafe(size);
          fs.readSync(fd, full, 0, size, pos);
          h = readBatchHeader(full, 0);
          if (!batchCrcValid(full, 0, h)) throw new InvalidBatchError('CRC mismatch');
        } else {
          h = readBatchHeader(head, 0, fileSize - pos);
        }
      } catch {
        ok = false;
        break;
      }
      if (h.magic !== 2 || h.baseOffset !== seg.nextOffset) {
        ok = false;
        break;
      }
      seg.index(h.baseOffset, h.baseOffset + h.lastOffsetDelta, size, h.maxTimestamp);
      onBatch?.(h);
      pos += size;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (!ok) {
    log('warn', 'truncating torn or corrupt segment tail', { file, validBytes: pos, fileBytes: fileSize });
    fs.truncateSync(file, pos);
  }
  return ok;
}
