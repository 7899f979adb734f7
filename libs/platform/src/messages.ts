// The message shapes both rooms share: `kafka/` (the only code that speaks kafkajs) produces and consumes them,
// `messaging/` (inbox, outbox relay, event processor) works on them. Neither room imports the other for these.

/** A message as the consumer received it from Kafka. */
export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A message as it goes to Kafka: key = aggregate id, value = envelope JSON, headers mirror the envelope. */
export interface OutboundMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Sends messages and resolves once Kafka has acknowledged every one of them (acks=all). */
export interface MessagePublisher {
  publish(messages: OutboundMessage[]): Promise<void>;
}

/** What the consumer loop lends the processor while a message waits: keep the group membership, notice shutdown. */
export interface DeliveryControl {
  heartbeat(): Promise<void>;
  isRunning(): boolean;
}

/** Headers a dead-lettered message carries besides its own: why, where from, when, after how many attempts. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  consumer: 'dlq-consumer',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  failedAt: 'dlq-failed-at',
  attempts: 'dlq-attempts',
} as const;
