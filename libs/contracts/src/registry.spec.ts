import { TOPICS } from './envelope';
import { CONTRACTS, EVENTS, EventType, parseEnvelope, producerOf } from './registry';
import { fixtureEnvelope, FIXTURE_PAYLOADS } from './fixtures';

const types = Object.keys(EVENTS) as EventType[];

describe('event contracts', () => {
  it('registers every event once, on its producer topic', () => {
    expect(Object.keys(CONTRACTS).sort()).toEqual([...types].sort());
    for (const t of types) expect(Object.values(TOPICS)).toContain(EVENTS[t].topic);
  });

  it.each(types)('%s fixture validates against its schema', (type) => {
    const result = parseEnvelope(JSON.stringify(fixtureEnvelope(type)));
    expect(result).toEqual({
      ok: true,
      envelope: expect.objectContaining({ eventType: type, payload: FIXTURE_PAYLOADS[type] }),
    });
  });

  it('maps topics to producers', () => {
    expect(producerOf('order.events')).toBe('order');
    expect(producerOf('payment.events')).toBe('payment');
    expect(producerOf('nope')).toBeUndefined();
  });

  it('refuses bytes that are not JSON', () => {
    expect(parseEnvelope(Buffer.from('{oops'))).toEqual({
      ok: false,
      violation: expect.objectContaining({ code: 'CONTRACT.MALFORMED' }),
    });
  });

  it('refuses an envelope without an event id', () => {
    const { eventId: _e, ...rest } = fixtureEnvelope('OrderPlaced');
    expect(parseEnvelope(rest)).toMatchObject({ ok: false, violation: { code: 'CONTRACT.MALFORMED' } });
  });

  it('refuses an unknown event type', () => {
    expect(parseEnvelope({ ...fixtureEnvelope('OrderPlaced'), eventType: 'OrderTeleported' })).toMatchObject({
      ok: false,
      violation: { code: 'CONTRACT.UNKNOWN_EVENT' },
    });
  });

  it('refuses an unsupported schema version', () => {
    expect(parseEnvelope({ ...fixtureEnvelope('OrderPlaced'), schemaVersion: 2 })).toMatchObject({
      ok: false,
      violation: { code: 'CONTRACT.UNSUPPORTED_VERSION' },
    });
  });

  it.each([
    ['a float quantity', { lines: [{ sku: 'A', quantity: 1.5 }] }],
    ['no lines', { lines: [] }],
    ['a non-uuid order id', { orderId: '42' }],
  ])('refuses an OrderPlaced payload with %s, naming the field', (_n, patch) => {
    const env = fixtureEnvelope('OrderPlaced');
    const result = parseEnvelope({ ...env, payload: { ...env.payload, ...patch } });
    expect(result).toMatchObject({ ok: false, violation: { code: 'CONTRACT.INVALID_PAYLOAD' } });
  });

  // placedAt was added to OrderConfirmed/OrderCancelled/OrderFulfilled without a new schemaVersion: that is safe
  // only because payload schemas strip unknown keys (a consumer built before it accepts it) and the field is
  // optional (an event published before it still validates).
  it.each(['OrderConfirmed', 'OrderCancelled', 'OrderFulfilled'] as const)(
    '%s: accepts payloads with and without placedAt, refuses a malformed one',
    (type) => {
      const env = fixtureEnvelope(type);
      expect(env.payload.placedAt).toBeDefined();
      const { placedAt: _p, ...before } = env.payload;
      expect(parseEnvelope({ ...env, payload: before })).toMatchObject({
        ok: true,
        envelope: { payload: before },
      });
      expect(parseEnvelope({ ...env, payload: { ...env.payload, placedAt: 'yesterday' } })).toMatchObject({
        ok: false,
        violation: { code: 'CONTRACT.INVALID_PAYLOAD', message: expect.stringContaining('placedAt') },
      });
    },
  );

  it('ignores unknown payload fields (what lets a consumer accept an additive field it does not know)', () => {
    const env = fixtureEnvelope('OrderCancelled');
    const result = parseEnvelope({ ...env, payload: { ...env.payload, addedLater: { any: 'thing' } } });
    expect(result).toEqual({ ok: true, envelope: expect.objectContaining({ payload: env.payload }) });
  });

  it('refuses money as a float', () => {
    const env = fixtureEnvelope('PaymentAuthorized');
    const result = parseEnvelope({
      ...env,
      payload: { ...env.payload, amount: { amount: 25.98, currency: 'EUR' } },
    });
    expect(result).toMatchObject({
      ok: false,
      violation: { code: 'CONTRACT.INVALID_PAYLOAD', message: expect.stringContaining('amount') },
    });
  });
});
