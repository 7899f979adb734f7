import { ErrorCode, KafkaError } from '../errors';
import { BatchHeader, buildBatch, readBatchHeader } from '../protocol/record-batch';
import { ProducerStateTable } from './producer-state';

const batch = (
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  recordsCount: number,
): BatchHeader => readBatchHeader(buildBatch({ producerId, producerEpoch, baseSequence, recordsCount }));

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof KafkaError) return err.code;
    throw err;
  }
  return undefined;
}

describe('ProducerStateTable', () => {
  it('ignores non-idempotent batches', () => {
    const t = new ProducerStateTable();
    expect(t.check(batch(-1, -1, -1, 3))).toBeNull();
    t.record(batch(-1, -1, -1, 3), 0);
    expect(t.size).toBe(0);
  });

  it('accepts in-order sequences and detects duplicates of the last 5 batches with their original offsets', () => {
    const t = new ProducerStateTable();
    let offset = 0;
    for (let i = 0; i < 7; i++) {
      const h = batch(1, 0, i * 10, 10);
      expect(t.check(h)).toBeNull();
      t.record(h, offset);
      offset += 10;
    }
    expect(t.check(batch(1, 0, 60, 10))).toEqual({ duplicateOf: 60 });
    expect(t.check(batch(1, 0, 20, 10))).toEqual({ duplicateOf: 20 });
    // older than the 5 tracked batches: no longer recognised, and it is not the next sequence
    expect(codeOf(() => t.check(batch(1, 0, 10, 10)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('rejects gaps, unknown producers not starting at 0, and stale epochs', () => {
    const t = new ProducerStateTable();
    expect(codeOf(() => t.check(batch(5, 0, 3, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    t.record(batch(5, 1, 0, 5), 0);
    expect(codeOf(() => t.check(batch(5, 1, 6, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(codeOf(() => t.check(batch(5, 0, 5, 1)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(t.check(batch(5, 1, 5, 1))).toBeNull();
  });

  it('resets on a new epoch, which must start at sequence 0', () => {
    const t = new ProducerStateTable();
    t.record(batch(9, 0, 0, 5), 0);
    expect(codeOf(() => t.check(batch(9, 1, 5, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const h = batch(9, 1, 0, 2);
    expect(t.check(h)).toBeNull();
    t.record(h, 5);
    expect(codeOf(() => t.check(batch(9, 0, 5, 1)))).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(t.check(batch(9, 1, 2, 1))).toBeNull();
  });

  it('wraps sequences at int32 max', () => {
    const t = new ProducerStateTable();
    // a batch covering sequences 2147483640..2147483647: the next one starts at 0
    t.record(batch(8, 0, 2147483640, 8), 0);
    expect(t.check(batch(8, 0, 0, 1))).toBeNull();
    expect(codeOf(() => t.check(batch(8, 0, 1, 1)))).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    // a batch that itself wraps (2147483646, 2147483647, 0) is recognised as a duplicate by its range
    const t2 = new ProducerStateTable();
    t2.record(batch(7, 0, 2147483646, 3), 40);
    expect(t2.check(batch(7, 0, 2147483646, 3))).toEqual({ duplicateOf: 40 });
    expect(t2.check(batch(7, 0, 1, 1))).toBeNull();
  });

  it('reports the highest producer id seen (id allocation after restart)', () => {
    const t = new ProducerStateTable();
    t.record(batch(12, 0, 0, 1), 0);
    t.record(batch(3, 0, 0, 1), 1);
    expect(t.maxProducerId()).toBe(12);
  });
});
