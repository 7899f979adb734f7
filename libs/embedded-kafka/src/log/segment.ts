// One log segment: a contiguous run of record batches starting at `baseOffset`.
// Bytes live either in memory (one Buffer per batch, served by reference) or in an append-only file
// (served with one positional read per fetch). The per-batch index is kept in parallel number arrays,
// which is cheap because batches (not records) are the unit.
import * as fs from 'node:fs';

export class Segment {
  /** Base offsets, last offsets, byte positions and max timestamps of the batches, in order. */
  readonly batchBase: number[] = [];
  readonly batchLast: number[] = [];
  readonly batchPos: number[] = [];
  readonly batchMaxTs: number[] = [];
  size = 0;
  nextOffset: number;
  maxTimestamp = -1;
  private readonly mem: Buffer[] | null;
  private fd: number | null;
  private dirty = false;
  private syncing: Promise<void> | null = null;

  private constructor(
    readonly baseOffset: number,
    readonly path: string | null,
    fd: number | null,
  ) {
    this.nextOffset = baseOffset;
    this.fd = fd;
    this.mem = path === null ? [] : null;
  }

  static inMemory(baseOffset: number): Segment {
    return new Segment(baseOffset, null, null);
  }

  /** Opens (creating if needed) the segment file; the caller then replays existing batches via `index`. */
  static file(baseOffset: number, path: string): Segment {
    return new Segment(baseOffset, path, fs.openSync(path, 'a+'));
  }

  get batchCount(): number {
    return this.batchBase.length;
  }

  /** Records an already-present batch in the index (startup recovery of file segments). */
  index(base: number, last: number, size: number, maxTs: number): void {
    this.batchBase.push(base);
    this.batchLast.push(last);
    this.batchPos.push(this.size);
    this.batchMaxTs.push(maxTs);
    this.size += size;
    this.nextOffset = last + 1;
    if (maxTs > this.maxTimestamp) this.maxTimestamp = maxTs;
  }

  append(batch: Buffer, base: number, last: number, maxTs: number): void {
    // Copy: the batch is a view into a network frame that may share memory with other requests.
    if (this.mem !== null) this.mem.push(Buffer.from(batch));
    else if (this.fd !== null) {
      // One write() per batch: the data is in the page cache when the produce is acknowledged.
      try {
        let off = 0;
        while (off < batch.length) off += fs.writeSync(this.fd, batch, off, batch.length - off);
      } catch (err) {
        // Drop a partial write so the file stays a sequence of whole batches matching the index.
        try {
          fs.ftruncateSync(this.fd, this.size);
        } catch {
          // the startup scan truncates any torn tail anyway
        }
        throw err;
      }
      this.dirty = true;
    } else throw new Error('segment is closed');
    this.index(base, last, batch.length, maxTs);
  }

  /** Index of the first batch whose last offset is >= offset, or batchCount if none. */
  findBatch(offset: number): number {
    let lo = 0;
    let hi = this.batchLast.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batchLast[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Byte length of batches [from, to). */
  bytesBetween(from: number, to: number): number {
    if (to <= from) return 0;
    const end = to < this.batchPos.length ? this.batchPos[to] : this.size;
    return end - this.batchPos[from];
  }

  /** The bytes of batches [from, to) — by reference in memory mode, one read in file mode. */
  read(from: number, to: number): Buffer[] {
    if (to <= from) return [];
    if (this.mem !== null) return this.mem.slice(from, to);
    if (this.fd === null) throw new Error('segment is closed');
    const pos = this.batchPos[from];
    const len = this.bytesBetween(from, to);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(this.fd, buf, got, len - got, pos + got);
      if (n === 0) throw new Error(`short read in ${this.path}`);
      got += n;
    }
    return [buf];
  }

  /** Starts an asynchronous fsync if there are unsynced writes (interval flush). */
  flush(): Promise<void> {
    if (this.fd === null || !this.dirty) return this.syncing ?? Promise.resolve();
    if (this.syncing) return this.syncing;
    this.dirty = false;
    const fd = this.fd;
    this.syncing = new Promise<void>((resolve) => {
      fs.fsync(fd, () => {
        this.syncing = null;
        resolve();
      });
    });
    return this.syncing;
  }

  /** fsyncs (if needed) and closes the file. */
  async close(): Promise<void> {
    if (this.syncing) await this.syncing;
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      if (this.dirty) fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
  }

  /** Closes and removes the backing file (retention / topic deletion). */
  async destroy(): Promise<void> {
    await this.close();
    if (this.path !== null) fs.rmSync(this.path, { force: true });
  }
}
