import { Kafka } from 'kafkajs';

export interface StoredMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp: string;
}

/**
 * Reads every message currently in a topic (from the earliest offset up to the high watermark at call time),
 * without joining a consumer group, so it commits nothing and disturbs no service.
 */
export async function readTopic(kafka: Kafka, topic: string): Promise<StoredMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; offset: string; low: string; high: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const targets = new Map(
    offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
  );
  if (targets.size === 0) return [];
  const consumer = kafka.consumer({
    groupId: `ordermesh-reader-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 100,
  });
  const out: StoredMessage[] = [];
  await consumer.connect();
  try {
    await new Promise<void>((resolve, reject) => {
      const remaining = new Map(targets);
      const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 30_000);
      consumer
        .subscribe({ topics: [topic], fromBeginning: true })
        .then(() =>
          consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = remaining.get(partition);
              if (end === undefined) return;
              if (BigInt(message.offset) < end) {
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(message.headers ?? {}))
                  if (v !== undefined) headers[k] = v.toString();
                out.push({
                  topic,
                  partition,
                  offset: message.offset,
                  key: message.key?.toString() ?? null,
                  value: message.value?.toString() ?? null,
                  headers,
                  timestamp: message.timestamp,
                });
              }
              if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          }),
        )
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: string;
  high: string;
  lag: number;
}

/** Per-partition lag of a consumer group: high watermark minus committed offset (no commit yet = from the start). */
export async function consumerLag(kafka: Kafka, groupId: string, topics: string[]): Promise<PartitionLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics });
    const out: PartitionLag[] = [];
    for (const topic of topics) {
      // Apache Kafka lists a topic's partitions in no particular order; readers expect partition order.
      const highs = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const h of highs) {
        const c = mine.find((p) => p.partition === h.partition)?.offset ?? '-1';
        const start = BigInt(c) < 0n ? BigInt(h.low) : BigInt(c);
        out.push({
          topic,
          partition: h.partition,
          committed: c,
          high: h.high,
          lag: Number(BigInt(h.high) - start),
        });
      }
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
