import { randomUUID } from 'node:crypto';
import { EVENTS, EventType, fixtureEnvelope, TOPICS, dlqTopic } from '@ordermesh/contracts';
import {
  createKafka,
  EventProcessor,
  listDlq,
  MessagingRuntime,
  ProcessOutcome,
  SERVICE_REACTIONS,
  ServiceReactions,
} from '@ordermesh/platform';
import { SagaStack } from '@ordermesh/testing';
import { startStack } from './stack';

/**
 * Contract tests: every producer's fixture of every event is fed through every service that consumes it, through
 * a processor built as the Kafka transport builds it (the service's own reaction table, unit of work, pool and DLQ). Each must pass the consumer's contract validation and reach its
 * handler; what the handler then decides about an order it has never seen is business, not contract.
 */
describe('event contracts across services', () => {
  let stack: SagaStack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('every consumer accepts every fixture of the events it subscribes to', async () => {
    const consumed = new Map<EventType, string[]>();
    const outcomes: { service: string; type: string; outcome: ProcessOutcome }[] = [];
    for (const service of ['order', 'inventory', 'payment'] as const) {
      const app = stack.apps[service]!;
      const runtime = app.get(MessagingRuntime);
      const processor = new EventProcessor({
        pool: runtime.pool,
        consumer: `${service}-service`,
        service: app.get<ServiceReactions>(SERVICE_REACTIONS),
        dlq: runtime.publisher,
        retry: runtime.options.retry,
      });
      for (const type of processor.subscribedEventTypes as EventType[]) {
        consumed.set(type, [...(consumed.get(type) ?? []), service]);
        const envelope = fixtureEnvelope(type, { eventId: randomUUID() });
        const outcome = await processor.process({
          topic: EVENTS[type].topic,
          partition: 0,
          offset: '0',
          key: envelope.aggregateId,
          value: Buffer.from(JSON.stringify(envelope)),
          headers: {},
        });
        outcomes.push({ service, type, outcome });
      }
    }
    // Every published event has at least one consumer, and nothing was refused for its shape.
    expect([...consumed.keys()].sort()).toEqual(
      Object.keys(EVENTS)
        .filter((t) => t !== 'OrderFulfilled' && t !== 'OrderConfirmed')
        .sort(),
    );
    expect(outcomes.every((o) => o.outcome !== 'ignored')).toBe(true);
    const kafka = createKafka(
      { brokers: [stack.broker.address], clientId: 'contract-test' },
      () => undefined,
    );
    const refusals = [];
    for (const topic of Object.values(TOPICS)) refusals.push(...(await listDlq(kafka, dlqTopic(topic))));
    expect(refusals.filter((r) => r.reason.startsWith('CONTRACT.'))).toEqual([]);
    // The order service refuses events about orders it never placed, at once and with its own reason: handler
    // errors reach the processor unchanged (not retried, not rewritten by the framework).
    const orderRefusals = refusals.filter((r) => r.consumer === 'order-service');
    expect(orderRefusals.length).toBeGreaterThan(0);
    expect(orderRefusals.every((r) => r.reason === 'ORDER.UNKNOWN_ORDER')).toBe(true);
  });
});
