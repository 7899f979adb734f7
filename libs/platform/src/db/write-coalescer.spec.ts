import { WriteCoalescer } from './write-coalescer';

/** A writeBatch whose calls stay open until the test settles them, so batching can be observed step by step. */
function controlledWriter() {
  const calls: { items: number[]; settle: (fail?: Error) => void }[] = [];
  const writeBatch = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, settle: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `ok:${i}`))) });
    });
  return { calls, writeBatch };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WriteCoalescer', () => {
  it('writes an item at once while a slot is free, and batches what arrives while every slot is busy', async () => {
    const w = controlledWriter();
    const coalescer = new WriteCoalescer(w.writeBatch, { maxBatch: 10, maxInFlight: 2 });
    const results = [1, 2, 3, 4, 5].map((i) => coalescer.submit(i));
    expect(w.calls.map((c) => c.items)).toEqual([[1], [2]]);

    w.calls[0]!.settle();
    await tick();
    expect(w.calls.map((c) => c.items)).toEqual([[1], [2], [3, 4, 5]]);
    w.calls[1]!.settle();
    w.calls[2]!.settle();
    expect(await Promise.all(results)).toEqual(['ok:1', 'ok:2', 'ok:3', 'ok:4', 'ok:5']);
    expect(coalescer.stats()).toEqual({ batches: 3, items: 5, isolations: 0 });
  });

  it('never puts more than maxBatch items in one write', async () => {
    const w = controlledWriter();
    const coalescer = new WriteCoalescer(w.writeBatch, { maxBatch: 3, maxInFlight: 1 });
    const results = Array.from({ length: 8 }, (_, i) => coalescer.submit(i));
    for (let settled = 0; settled < 4; settled++) {
      w.calls[settled]!.settle();
      await tick();
    }
    expect(w.calls.map((c) => c.items)).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
    expect(await Promise.all(results)).toHaveLength(8);
  });

  it('writes each item of a failed batch again alone, so only the failing item sees its error', async () => {
    const written: number[][] = [];
    const coalescer = new WriteCoalescer(
      async (items: number[]) => {
        written.push(items);
        if (items.includes(13)) throw new Error('13 is refused');
        return items.map((i) => i * 2);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const first = coalescer.submit(1); // alone: the slot was free
    const rest = [12, 13, 14].map((i) =>
      coalescer.submit(i).then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    expect(await first).toBe(2);
    expect(await Promise.all(rest)).toEqual([{ v: 24 }, { e: '13 is refused' }, { v: 28 }]);
    expect(written).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
    expect(coalescer.stats().isolations).toBe(1);
  });

  it('reports a failure that would fail every item to all callers at once when told not to isolate it', async () => {
    const written: number[][] = [];
    const coalescer = new WriteCoalescer(
      async (items: number[]) => {
        written.push(items);
        if (items.length > 1) throw Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });
        return items;
      },
      { maxBatch: 10, maxInFlight: 1, isolate: (err) => (err as { code?: string }).code !== 'ECONNRESET' },
    );
    const first = coalescer.submit(0);
    const rest = [1, 2, 3].map((i) => coalescer.submit(i).catch((e: Error) => e.message));
    await first;
    expect(await Promise.all(rest)).toEqual(['connection lost', 'connection lost', 'connection lost']);
    expect(written).toEqual([[0], [1, 2, 3]]);
    expect(coalescer.stats().isolations).toBe(0);
  });

  it('rejects an item whose write fails on its own, and keeps serving the next ones', async () => {
    let fail = true;
    const coalescer = new WriteCoalescer(
      async (items: string[]) => {
        if (fail) throw new Error('connection lost');
        return items;
      },
      { maxBatch: 5, maxInFlight: 1 },
    );
    await expect(coalescer.submit('a')).rejects.toThrow('connection lost');
    fail = false;
    await expect(coalescer.submit('b')).resolves.toBe('b');
  });

  it('treats a result count that does not match the batch as a failure of that batch', async () => {
    const coalescer = new WriteCoalescer(async () => [] as string[], { maxBatch: 5, maxInFlight: 1 });
    await expect(coalescer.submit(1)).rejects.toThrow('writeBatch returned 0 results for 1 items');
  });

  it('refuses options that could never write', () => {
    expect(() => new WriteCoalescer(async () => [], { maxBatch: 0, maxInFlight: 1 })).toThrow(
      'maxBatch >= 1',
    );
    expect(() => new WriteCoalescer(async () => [], { maxBatch: 1, maxInFlight: 0 })).toThrow(
      'maxInFlight >= 1',
    );
  });
});
