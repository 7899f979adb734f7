import { Matches } from 'class-validator';
import { loadEnv } from '@ordermesh/platform';

class KafkaCliEnv {
  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, { message: 'must be a comma-separated list of host:port' })
  KAFKA_BROKERS = '127.0.0.1:9092';
}

/** The operator CLIs (dlq, topics) read only the broker list; they work against the embedded broker and Kafka alike. */
export function loadKafkaCliConfig(env: Record<string, string | undefined> = process.env): {
  brokers: string[];
} {
  return { brokers: loadEnv(KafkaCliEnv, env).KAFKA_BROKERS.split(',') };
}
