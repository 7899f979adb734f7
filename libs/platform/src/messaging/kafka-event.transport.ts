import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { KafkaEventConsumer } from '../kafka/kafka-client';
import type { DeliveryControl, InboundMessage } from '../messages';
import type { ServiceReactions } from '../unit-of-work/reactions';
import { EventProcessor, MessagingFaults } from './event-processor';
import { MessagingRuntime } from './messaging.module';
import { RunGatherer } from './run-gatherer';

/**
 * Nest microservice strategy that consumes with the service's reaction table (`provideReactions`). The platform, not
 * the reaction, owns contract validation, the unit of work (inbox, locks, state, outbox), retries, dead-lettering and
 * offset commits.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  private readonly consumer: KafkaEventConsumer;
  private readonly log = new Logger('KafkaEventTransport');
  processor: EventProcessor | null = null;

  constructor(
    private readonly runtime: MessagingRuntime,
    private readonly service: ServiceReactions,
    private readonly faults: MessagingFaults | null = null,
  ) {
    super();
    this.consumer = new KafkaEventConsumer(runtime.kafka);
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      const { options } = this.runtime;
      const faults = this.faults;
      const consumerName = `${options.service}-service`;
      const metrics = this.runtime.metrics;
      this.processor = new EventProcessor({
        pool: this.runtime.pool,
        consumer: consumerName,
        service: this.service,
        dlq: this.runtime.publisher,
        retry: options.retry,
        faults,
        observer: {
          processed: (eventType, outcome, ms) => {
            metrics?.consumerHandled.inc({ event_type: eventType, outcome });
            metrics?.consumerDuration.observe({ event_type: eventType }, ms / 1000);
            // Runs inside the event's unit of work: the line carries orderId, eventId, correlationId and the trace.
            this.log.log({ eventType, outcome, durationMs: Math.round(ms) }, 'event handled');
          },
          retry: (eventType, attempt, err) => {
            metrics?.consumerRetries.inc({ event_type: eventType });
            this.log.warn({ eventType, attempt, err: (err as Error).message }, 'handler failed; retrying');
          },
          deferred: (eventType, reason, waits) => {
            metrics?.consumerDeferrals.inc({ event_type: eventType, reason });
            if (waits === 1 || waits % 10 === 0)
              this.log.warn({ eventType, reason, waits }, 'dependency unavailable; event waits and retries');
          },
          failed: (eventType) => metrics?.consumerErrors.inc({ event_type: eventType }),
          deadLettered: (topic, reason) => {
            metrics?.dlqMessages.inc({ topic, reason });
            this.log.error({ topic, reason }, 'message dead-lettered');
          },
        },
      });
      if (options.autoStart && options.consumes.length) {
        // Merging (the default): one fetch's partitions, delivered to concurrent workers, are one run (one transaction).
        // Otherwise each partition's batch is a run of its own, up to `concurrency` at once.
        const processRun = (messages: InboundMessage[], control: DeliveryControl) =>
          this.processor!.processBatch(faults ? faults.deliveries(messages) : messages, control);
        const runs = options.consumer.mergePartitions ? new RunGatherer(processRun) : null;
        await this.consumer.start({
          groupId: consumerName,
          topics: options.consumes,
          partitionsConsumedConcurrently: options.consumer.concurrency,
          maxBatch: options.consumer.maxBatch,
          onMessages: async (messages, control) => {
            await (runs ? runs.submit(messages, control) : processRun(messages, control));
          },
        });
      }
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
    await this.consumer.stop();
  }

  on(): never {
    throw new Error('KafkaEventTransport does not support event listeners');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
