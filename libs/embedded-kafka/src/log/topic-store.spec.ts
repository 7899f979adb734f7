import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ErrorCode, KafkaError } from '../errors';
import { assignBaseOffset, buildBatch, readBatchHeader } from '../protocol/record-batch';
import { TopicStore, validateTopicName } from './topic-store';

const noLog = (): void => undefined;

describe('TopicStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-topics-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const open = (): TopicStore =>
    new TopicStore({ dataDir: dir, segmentBytes: 1 << 20, retentionMs: -1, retentionBytes: -1, log: noLog });

  it('validates topic names like Kafka', () => {
    for (const ok of ['a', 'orders.v1', 'A_b-c', 'x'.repeat(249)])
      expect(() => validateTopicName(ok)).not.toThrow();
    for (const bad of ['', '.', '..', 'a/b', 'a b', 'x'.repeat(250), 'ü']) {
      expect(() => validateTopicName(bad)).toThrow(KafkaError);
    }
  });

  it('persists topics, data, producer state and a stable cluster id across restarts', async () => {
    const s = open();
    const t = s.create('orders', 2);
    const b = buildBatch({ recordsCount: 4, producerId: 17, producerEpoch: 0, baseSequence: 0 });
    t.partitions[1].log.append(b, readBatchHeader(b), assignBaseOffset);
    const clusterId = s.clusterId;
    await s.close();
    const again = open();
    expect(again.clusterId).toBe(clusterId);
    expect(again.get('orders')?.partitions.length).toBe(2);
    expect(again.get('orders')?.partitions[1].log.highWatermark).toBe(4);
    expect(again.maxProducerId()).toBe(17);
    // the recovered producer state recognises a retry of the last batch
    expect(again.get('orders')?.partitions[1].producers.check(readBatchHeader(b))).toEqual({
      duplicateOf: 0,
    });
    await again.delete('orders');
    expect(fs.existsSync(path.join(dir, 'orders-0'))).toBe(false);
    await again.close();
    expect(open().get('orders')).toBeUndefined();
  });

  it('rejects duplicates and invalid partition counts', () => {
    const s = open();
    s.create('a', 1);
    const code = (fn: () => unknown): number | undefined => {
      try {
        fn();
      } catch (e) {
        return (e as KafkaError).code;
      }
      return undefined;
    };
    expect(code(() => s.create('a', 1))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(code(() => s.create('b', 0))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(code(() => s.create('b', 1.5))).toBe(ErrorCode.INVALID_PARTITIONS);
    return s.close();
  });
});
