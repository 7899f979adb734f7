// Idempotent-producer bookkeeping for one partition, following Kafka's ProducerStateManager semantics:
// per producerId the current epoch and the sequence ranges (with their offsets) of the last 5 batches.
import { ErrorCode, KafkaError } from '../errors';
import { BatchHeader } from '../protocol/record-batch';

const MAX_TRACKED_BATCHES = 5;
const INT32_MAX = 0x7fffffff;

interface SeqEntry {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}
interface ProducerEntry {
  epoch: number;
  batches: SeqEntry[];
}

export type SequenceCheck = { duplicateOf: number } | null;

function lastSequence(h: BatchHeader): number {
  const s = h.baseSequence + h.lastOffsetDelta;
  return s > INT32_MAX ? s - INT32_MAX - 1 : s;
}
function nextSequence(seq: number): number {
  return seq === INT32_MAX ? 0 : seq + 1;
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  /**
   * Validates a batch against the producer's state. Returns `{duplicateOf}` for a retried batch that
   * was already appended, null if it must be appended; throws KafkaError on epoch/sequence violations.
   */
  check(h: BatchHeader): SequenceCheck {
    if (h.producerId < 0) return null;
    const p = this.producers.get(h.producerId);
    if (!p) {
      if (h.baseSequence !== 0) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `unknown producer ${h.producerId} starting at sequence ${h.baseSequence}`,
        );
      }
      return null;
    }
    if (h.producerEpoch < p.epoch) {
      throw new KafkaError(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `epoch ${h.producerEpoch} is older than ${p.epoch}`,
      );
    }
    if (h.producerEpoch > p.epoch) {
      if (h.baseSequence !== 0) {
        throw new KafkaError(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `new epoch ${h.producerEpoch} must start at sequence 0`,
        );
      }
      return null;
    }
    const last = lastSequence(h);
    for (const b of p.batches) {
      if (b.firstSeq === h.baseSequence && b.lastSeq === last) return { duplicateOf: b.baseOffset };
    }
    const tail = p.batches[p.batches.length - 1];
    const expected = tail ? nextSequence(tail.lastSeq) : 0;
    if (h.baseSequence !== expected) {
      throw new KafkaError(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `producer ${h.producerId}: expected sequence ${expected}, got ${h.baseSequence}`,
      );
    }
    return null;
  }

  /** Records an appended (or recovered) batch. */
  record(h: BatchHeader, baseOffset: number): void {
    if (h.producerId < 0) return;
    let p = this.producers.get(h.producerId);
    if (!p || h.producerEpoch > p.epoch) {
      p = { epoch: h.producerEpoch, batches: [] };
      this.producers.set(h.producerId, p);
    }
    p.batches.push({ firstSeq: h.baseSequence, lastSeq: lastSequence(h), baseOffset });
    if (p.batches.length > MAX_TRACKED_BATCHES) p.batches.shift();
  }

  maxProducerId(): number {
    let max = -1;
    for (const id of this.producers.keys()) if (id > max) max = id;
    return max;
  }
}
