import { fixtureEnvelope, HEADERS } from '@ordermesh/contracts';
import { headersFor } from '../messaging/envelope-factory';
import { DLQ_HEADERS } from '../messages';
import { decodeMessage } from './inspect';
import { StoredMessage } from './topic-reader';

describe('decodeMessage', () => {
  const envelope = fixtureEnvelope('StockReserved', { causationId: '1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d' });
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const stored = (overrides: Partial<StoredMessage> = {}): StoredMessage => ({
    topic: 'inventory.events',
    partition: 2,
    offset: '17',
    key: envelope.aggregateId,
    value: JSON.stringify(envelope),
    headers: headersFor(envelope, { traceparent }),
    timestamp: String(Date.UTC(2030, 0, 1, 0, 0, 1)),
    ...overrides,
  });

  it('reads the envelope fields, the trace header and the broker timestamp', () => {
    const m = decodeMessage(stored());
    expect(m).toMatchObject({
      topic: 'inventory.events',
      partition: 2,
      offset: '17',
      time: '2030-01-01T00:00:01.000Z',
      key: envelope.aggregateId,
      eventType: 'StockReserved',
      eventId: envelope.eventId,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      producer: 'inventory',
      traceparent,
      value: envelope,
    });
    expect(m.dlq).toBeUndefined();
  });

  it('falls back to the headers when the value is not an envelope, keeping the raw text', () => {
    const m = decodeMessage(stored({ value: 'not json' }));
    expect(m.value).toBe('not json');
    expect(m.eventId).toBe(envelope.eventId);
    expect(m.eventType).toBe('StockReserved');
    expect(decodeMessage(stored({ value: null, headers: {} }))).toMatchObject({
      eventId: null,
      eventType: null,
      causationId: null,
      traceparent: null,
      value: null,
    });
  });

  it('adds the dlq-* headers on a dead-letter topic', () => {
    const m = decodeMessage(
      stored({
        topic: 'inventory.events.dlq',
        headers: {
          [HEADERS.eventId]: envelope.eventId,
          [DLQ_HEADERS.reason]: 'HANDLER.FAILED',
          [DLQ_HEADERS.error]: 'boom',
          [DLQ_HEADERS.consumer]: 'order-service',
          [DLQ_HEADERS.originalTopic]: 'inventory.events',
          [DLQ_HEADERS.originalPartition]: '2',
          [DLQ_HEADERS.originalOffset]: '17',
          [DLQ_HEADERS.failedAt]: '2030-01-01T00:00:02.000Z',
          [DLQ_HEADERS.attempts]: '8',
        },
      }),
    );
    expect(m.dlq).toEqual({
      reason: 'HANDLER.FAILED',
      error: 'boom',
      consumer: 'order-service',
      originalTopic: 'inventory.events',
      originalPartition: '2',
      originalOffset: '17',
      failedAt: '2030-01-01T00:00:02.000Z',
      attempts: '8',
    });
  });
});
