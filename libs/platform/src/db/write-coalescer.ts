export interface WriteCoalescerOptions {
  /** Most items one batch carries. 1 turns coalescing off (every item is its own write). */
  maxBatch: number;
  /** Batches written at the same time; items arriving while all are busy wait and travel together in the next one. */
  maxInFlight: number;
  /**
   * Whether a failed batch is worth writing again item by item (default: always). Errors that would fail every item
   * alike (the database unreachable) are better reported to all callers at once.
   */
  isolate?: (err: unknown) => boolean;
}

export interface WriteCoalescerStats {
  batches: number;
  items: number;
  /** Batches that failed as a whole and were written again item by item. */
  isolations: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit in the application: concurrent single-item writes (e.g. one per HTTP request) are written together
 * as one statement, so a busy service pays one round trip and one commit for many items instead of one each.
 *
 * An item is sent at once while fewer than `maxInFlight` batches are being written, so an idle service adds no
 * latency; under load the items that arrive while every slot is busy form the next batch (up to `maxBatch`), so
 * batches grow with the load by themselves, with no timer. `writeBatch` must return one result per item, in order,
 * and must be all-or-nothing (one statement or one transaction). When a batch of several fails, each of its items is
 * written again on its own, so one item's failure is reported to that item's caller alone.
 */
export class WriteCoalescer<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private readonly counts: WriteCoalescerStats = { batches: 0, items: 0, isolations: 0 };

  constructor(
    private readonly writeBatch: (items: I[]) => Promise<O[]>,
    private readonly options: WriteCoalescerOptions,
  ) {
    if (!(options.maxBatch >= 1) || !(options.maxInFlight >= 1))
      throw new Error('WriteCoalescer needs maxBatch >= 1 and maxInFlight >= 1');
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  stats(): WriteCoalescerStats {
    return { ...this.counts };
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending<I, O>[]): Promise<void> {
    this.counts.batches++;
    this.counts.items += batch.length;
    let results: O[];
    try {
      results = await this.writeBatch(batch.map((p) => p.item));
      if (results.length !== batch.length)
        throw new Error(`writeBatch returned ${results.length} results for ${batch.length} items`);
    } catch (err) {
      if (batch.length === 1 || this.options.isolate?.(err) === false) {
        for (const p of batch) p.reject(err);
        return;
      }
      // All-or-nothing, so nothing of the batch was written: each item again alone, its own error to its own caller.
      this.counts.isolations++;
      for (const p of batch) {
        try {
          const out = await this.writeBatch([p.item]);
          if (out.length !== 1) throw new Error(`writeBatch returned ${out.length} results for 1 item`);
          p.resolve(out[0]!);
        } catch (itemErr) {
          p.reject(itemErr);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
