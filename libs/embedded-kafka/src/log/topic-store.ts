// Topics and their partition logs, plus the small metadata file (cluster id, topic → partitions)
// that is rewritten atomically (write temp, fsync, rename) on every topic create/delete.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode, KafkaError } from '../errors';
import { BatchHeader } from '../protocol/record-batch';
import { LogFn, PartitionLog } from './partition-log';
import { ProducerStateTable } from './producer-state';

export interface Partition {
  readonly log: PartitionLog;
  readonly producers: ProducerStateTable;
}
export interface Topic {
  readonly name: string;
  readonly partitions: Partition[];
}

export interface TopicStoreOptions {
  dataDir: string | null;
  segmentBytes: number;
  retentionMs: number;
  retentionBytes: number;
  log: LogFn;
}

interface MetaFile {
  version: 1;
  clusterId: string;
  topics: Record<string, { partitions: number }>;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
export const MAX_PARTITIONS = 10_000;

export function validateTopicName(name: string): void {
  if (!name || name === '.' || name === '..' || name.length > 249 || !TOPIC_NAME.test(name)) {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `invalid topic name '${name}'`);
  }
}

function newClusterId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

export class TopicStore {
  readonly topics = new Map<string, Topic>();
  readonly clusterId: string;
  private readonly metaPath: string | null;

  constructor(private readonly opts: TopicStoreOptions) {
    if (opts.dataDir === null) {
      this.metaPath = null;
      this.clusterId = newClusterId();
      return;
    }
    fs.mkdirSync(opts.dataDir, { recursive: true });
    this.metaPath = path.join(opts.dataDir, 'meta.json');
    let meta: MetaFile | null = null;
    if (fs.existsSync(this.metaPath)) meta = JSON.parse(fs.readFileSync(this.metaPath, 'utf8')) as MetaFile;
    this.clusterId = meta?.clusterId ?? newClusterId();
    for (const [name, t] of Object.entries(meta?.topics ?? {})) this.openTopic(name, t.partitions);
    this.writeMeta();
  }

  private partitionDir(topic: string, partition: number): string | null {
    return this.opts.dataDir === null ? null : path.join(this.opts.dataDir, `${topic}-${partition}`);
  }

  private openTopic(name: string, partitions: number): Topic {
    const parts: Partition[] = [];
    for (let i = 0; i < partitions; i++) {
      const producers = new ProducerStateTable();
      const log = PartitionLog.open(
        name,
        i,
        {
          dir: this.partitionDir(name, i),
          segmentBytes: this.opts.segmentBytes,
          retentionMs: this.opts.retentionMs,
          retentionBytes: this.opts.retentionBytes,
          log: this.opts.log,
        },
        (h: BatchHeader) => producers.record(h, h.baseOffset),
      );
      parts.push({ log, producers });
    }
    const topic = { name, partitions: parts };
    this.topics.set(name, topic);
    return topic;
  }

  private writeMeta(): void {
    if (this.metaPath === null) return;
    const meta: MetaFile = { version: 1, clusterId: this.clusterId, topics: {} };
    for (const t of this.topics.values()) meta.topics[t.name] = { partitions: t.partitions.length };
    const tmp = `${this.metaPath}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, JSON.stringify(meta, null, 2) + '\n');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.metaPath);
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  /** Validates without creating (CreateTopics validateOnly and the real path share this). */
  validateCreate(name: string, partitions: number): void {
    validateTopicName(name);
    if (this.topics.has(name))
      throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${name}' already exists`);
    if (!Number.isInteger(partitions) || partitions <= 0 || partitions > MAX_PARTITIONS) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `invalid number of partitions ${partitions}`);
    }
  }

  create(name: string, partitions: number): Topic {
    this.validateCreate(name, partitions);
    // A leftover directory from a crash between delete and metadata write must not resurrect data.
    for (let i = 0; i < partitions; i++) {
      const dir = this.partitionDir(name, i);
      if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
    }
    const topic = this.openTopic(name, partitions);
    this.writeMeta();
    this.opts.log('info', 'topic created', { topic: name, partitions });
    return topic;
  }

  async delete(name: string): Promise<void> {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic '${name}'`);
    this.topics.delete(name);
    this.writeMeta();
    for (const p of topic.partitions) await p.log.destroy();
    this.opts.log('info', 'topic deleted', { topic: name });
  }

  maxProducerId(): number {
    let max = -1;
    for (const t of this.topics.values())
      for (const p of t.partitions) max = Math.max(max, p.producers.maxProducerId());
    return max;
  }

  applyRetention(now: number): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.log.applyRetention(now);
  }

  async flush(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const t of this.topics.values()) for (const p of t.partitions) all.push(p.log.flush());
    await Promise.all(all);
  }

  async close(): Promise<void> {
    for (const t of this.topics.values()) for (const p of t.partitions) await p.log.close();
  }
}
