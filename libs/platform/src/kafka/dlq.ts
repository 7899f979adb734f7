import { Kafka } from 'kafkajs';
import { HEADERS } from '@ordermesh/contracts';
import { DLQ_HEADERS } from '../messages';
import { KafkaPublisher } from './kafka-client';
import { readTopic, StoredMessage } from './topic-reader';

export interface DlqEntry {
  partition: number;
  offset: string;
  key: string | null;
  eventId: string | null;
  eventType: string | null;
  reason: string;
  error: string;
  consumer: string;
  originalTopic: string;
  originalOffset: string;
  failedAt: string;
  message: StoredMessage;
}

export async function listDlq(kafka: Kafka, dlqTopic: string): Promise<DlqEntry[]> {
  return (await readTopic(kafka, dlqTopic)).map((m) => ({
    partition: m.partition,
    offset: m.offset,
    key: m.key,
    eventId: m.headers[HEADERS.eventId] ?? null,
    eventType: m.headers[HEADERS.eventType] ?? null,
    reason: m.headers[DLQ_HEADERS.reason] ?? 'unknown',
    error: m.headers[DLQ_HEADERS.error] ?? '',
    consumer: m.headers[DLQ_HEADERS.consumer] ?? '',
    originalTopic: m.headers[DLQ_HEADERS.originalTopic] ?? dlqTopic.replace(/\.dlq$/, ''),
    originalOffset: m.headers[DLQ_HEADERS.originalOffset] ?? '',
    failedAt: m.headers[DLQ_HEADERS.failedAt] ?? '',
    message: m,
  }));
}

/**
 * Re-drives dead-lettered messages to their original topic, unchanged but for the dlq-* headers (and a
 * `replayed-from` header). Consumers are idempotent per event id, so replaying an event that was meanwhile
 * handled has no second effect. With `eventIds`, only those; otherwise every entry (each event once).
 */
export async function replayDlq(kafka: Kafka, dlqTopic: string, eventIds?: string[]): Promise<DlqEntry[]> {
  const entries = await listDlq(kafka, dlqTopic);
  const wanted = eventIds?.length
    ? entries.filter((e) => e.eventId && eventIds.includes(e.eventId))
    : entries;
  // Several consumers may have dead-lettered the same event: re-drive it once.
  const seen = new Set<string>();
  const unique = wanted.filter((e) => {
    const id = e.eventId ?? `${e.partition}:${e.offset}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (!unique.length) return [];
  const publisher = new KafkaPublisher(kafka);
  try {
    await publisher.publish(
      unique.map((e) => {
        const headers = Object.fromEntries(
          Object.entries(e.message.headers).filter(([k]) => !k.startsWith('dlq-')),
        );
        headers['replayed-from'] = `${dlqTopic}:${e.partition}:${e.offset}`;
        return { topic: e.originalTopic, key: e.key ?? '', value: e.message.value ?? '', headers };
      }),
    );
  } finally {
    await publisher.disconnect();
  }
  return unique;
}
