import { EVENTS, EventType, FIXTURE_PAYLOADS } from '@ordermesh/contracts';
import type { OrderStatus } from '../../domain/order-status';
import type { OrderTimelineSource, RecordedHistoryEntry } from '../ports/order-queries.port';
import { buildOrderTimeline, causalOrder, describeEvent, money } from './order-timeline';

const ORDER = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e001';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

let n = 0;
/** A history line `ms` after T0; ids sort in creation order unless given. */
function entry(
  eventType: string,
  producer: string,
  ms: number,
  cause: RecordedHistoryEntry | string | null,
  over: Partial<RecordedHistoryEntry> = {},
): RecordedHistoryEntry {
  n++;
  return {
    eventId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    eventType,
    producer,
    causationId: typeof cause === 'string' ? cause : (cause?.eventId ?? null),
    statusAfter: 'PENDING',
    detail: {},
    occurredAt: new Date(T0 + ms).toISOString(),
    recordedAt: new Date(T0 + ms + 1).toISOString(),
    traceId: null,
    spanId: null,
    ...over,
  };
}

function source(
  history: RecordedHistoryEntry[],
  status: OrderStatus = 'PENDING',
  cancellationReason: string | null = null,
): OrderTimelineSource {
  return {
    orderId: ORDER,
    correlationId: 'corr-1',
    status,
    cancellationReason,
    createdAt: new Date(T0).toISOString(),
    history,
  };
}

/** Deterministic shuffles: reversed, and a rotation, so no test depends on the order rows were read in. */
const shuffles = <T>(xs: T[]): T[][] => [xs, [...xs].reverse(), [...xs.slice(2), ...xs.slice(0, 2)]];

/** A customer cancel after confirmation: two causal chains, with effects that happen earlier than other roots. */
function cancelledAfterConfirmation() {
  const placed = entry('OrderPlaced', 'order', 0, null, { detail: { lines: 2, units: 3 } });
  const reserved = entry('StockReserved', 'inventory', 20, placed, {
    detail: {
      reservationId: 'r-1',
      lines: 2,
      units: 3,
      total: { amount: 5998, currency: 'EUR' },
      expiresAt: '2030-01-01T00:15:00.000Z',
    },
  });
  const authorized = entry('PaymentAuthorized', 'payment', 40, reserved, {
    detail: { paymentId: 'p-1', amount: { amount: 5998, currency: 'EUR' } },
  });
  const resConfirmed = entry('ReservationConfirmed', 'inventory', 60, authorized);
  const confirmed = entry('OrderConfirmed', 'order', 61, resConfirmed, {
    statusAfter: 'CONFIRMED',
    detail: { total: { amount: 5998, currency: 'EUR' } },
  });
  const cancelled = entry('OrderCancelled', 'order', 1000, null, {
    statusAfter: 'CANCELLED',
    detail: { reason: 'CUSTOMER_REQUEST', previousStatus: 'CONFIRMED' },
  });
  const released = entry('StockReleased', 'inventory', 1030, cancelled, {
    statusAfter: 'CANCELLED',
    detail: { reservationId: 'r-1', reason: 'ORDER_CANCELLED', effect: 'compensated' },
  });
  const voided = entry('PaymentVoided', 'payment', 1020, cancelled, {
    statusAfter: 'CANCELLED',
    detail: { paymentId: 'p-1', amount: { amount: 5998, currency: 'EUR' }, effect: 'compensated' },
  });
  return { placed, reserved, authorized, resConfirmed, confirmed, cancelled, released, voided };
}

describe('causalOrder', () => {
  it('puts every cause before its effects, whatever order the rows come in', () => {
    const e = cancelledAfterConfirmation();
    const expected = [
      'OrderPlaced',
      'StockReserved',
      'PaymentAuthorized',
      'ReservationConfirmed',
      'OrderConfirmed',
      'OrderCancelled',
      'PaymentVoided',
      'StockReleased',
    ];
    for (const rows of shuffles(Object.values(e))) {
      expect(causalOrder(rows).map((p) => p.entry.eventType)).toEqual(expected);
    }
  });

  it('places an effect after its cause even when its clock says it happened earlier', () => {
    const placed = entry('OrderPlaced', 'order', 100, null);
    // Another service's clock runs behind: its reaction is stamped before the event it reacts to.
    const reserved = entry('StockReserved', 'inventory', 50, placed);
    const result = causalOrder([reserved, placed]);
    expect(result.map((p) => [p.entry.eventType, p.depth])).toEqual([
      ['OrderPlaced', 0],
      ['StockReserved', 1],
    ]);
  });

  it('breaks ties by occurredAt, then by eventId', () => {
    const root = entry('OrderFulfillmentRequested', 'order', 0, null);
    const b = entry('PaymentCaptured', 'payment', 10, root, {
      eventId: 'bbbbbbbb-0000-4000-8000-000000000000',
    });
    const a = entry('StockCommitted', 'inventory', 10, root, {
      eventId: 'aaaaaaaa-0000-4000-8000-000000000000',
    });
    const early = entry('PaymentCaptured', 'payment', 5, root, {
      eventId: 'cccccccc-0000-4000-8000-000000000000',
    });
    for (const rows of shuffles([b, a, root, early])) {
      expect(causalOrder(rows).map((p) => p.entry.eventId)).toEqual([
        root.eventId,
        early.eventId,
        a.eventId,
        b.eventId,
      ]);
    }
  });

  it('treats events whose cause is not in the history as roots, ordered by time', () => {
    const orphanLate = entry('PaymentVoided', 'payment', 300, 'dddddddd-0000-4000-8000-000000000000');
    const placed = entry('OrderPlaced', 'order', 0, null);
    const orphanEarly = entry('StockReleased', 'inventory', 100, 'eeeeeeee-0000-4000-8000-000000000000');
    const child = entry('OrderCancelled', 'order', 400, orphanEarly);
    const result = causalOrder([child, orphanLate, orphanEarly, placed]);
    expect(result.map((p) => [p.entry.eventType, p.depth, p.cause?.eventType ?? null])).toEqual([
      ['OrderPlaced', 0, null],
      ['StockReleased', 0, null],
      ['PaymentVoided', 0, null],
      ['OrderCancelled', 1, 'StockReleased'],
    ]);
  });

  it('keeps every event, once, even if corrupt data made a causal cycle', () => {
    const a = entry('StockReserved', 'inventory', 10, 'ffffffff-0000-4000-8000-000000000002', {
      eventId: 'ffffffff-0000-4000-8000-000000000001',
    });
    const b = entry('PaymentAuthorized', 'payment', 20, a);
    b.eventId = 'ffffffff-0000-4000-8000-000000000002';
    const placed = entry('OrderPlaced', 'order', 0, null);
    const result = causalOrder([b, a, placed, placed]);
    expect(result.map((p) => p.entry.eventType)).toEqual([
      'OrderPlaced',
      'StockReserved',
      'PaymentAuthorized',
    ]);
    expect(result.map((p) => p.depth)).toEqual([0, 0, 1]);
  });
});

describe('buildOrderTimeline', () => {
  it('numbers events causally, links causes, measures from OrderPlaced and reports the duration', () => {
    const e = cancelledAfterConfirmation();
    const timeline = buildOrderTimeline(source(Object.values(e).reverse(), 'CANCELLED', 'CUSTOMER_REQUEST'));
    expect(timeline).toMatchObject({
      orderId: ORDER,
      correlationId: 'corr-1',
      status: 'CANCELLED',
      cancellationReason: 'CUSTOMER_REQUEST',
      startedAt: e.placed.occurredAt,
      finishedAt: e.cancelled.occurredAt,
      durationMs: 1000,
      traceIds: [],
    });
    expect(
      timeline.events.map((ev) => [ev.seq, ev.eventType, ev.service, ev.causedBy, ev.depth, ev.sinceStartMs]),
    ).toEqual([
      [1, 'OrderPlaced', 'order', null, 0, 0],
      [2, 'StockReserved', 'inventory', 'OrderPlaced', 1, 20],
      [3, 'PaymentAuthorized', 'payment', 'StockReserved', 2, 40],
      [4, 'ReservationConfirmed', 'inventory', 'PaymentAuthorized', 3, 60],
      [5, 'OrderConfirmed', 'order', 'ReservationConfirmed', 4, 61],
      [6, 'OrderCancelled', 'order', null, 0, 1000],
      [7, 'PaymentVoided', 'payment', 'OrderCancelled', 1, 1020],
      [8, 'StockReleased', 'inventory', 'OrderCancelled', 1, 1030],
    ]);
    expect(timeline.events.map((ev) => ev.action)).toEqual([
      'placed 2 lines (3 units)',
      'reserved 2 lines (3 units), total 59.98 EUR, held until 2030-01-01T00:15:00.000Z',
      'authorized 59.98 EUR',
      'confirmed reservation: it no longer expires',
      'confirmed, total 59.98 EUR',
      'cancelled: CUSTOMER_REQUEST (was CONFIRMED)',
      'voided authorization 59.98 EUR',
      'released reservation r-1, reason ORDER_CANCELLED',
    ]);
    expect(timeline.events.every((ev) => ev.effect === 'applied')).toBe(true);
    // The bookkeeping field is not a payload detail.
    expect(timeline.events[6]!.details).toEqual({
      paymentId: 'p-1',
      amount: { amount: 5998, currency: 'EUR' },
    });
    expect(timeline.events[0]!.recordedAt).toBe(new Date(T0 + 1).toISOString());
  });

  it('has no finish while the order is still PENDING or CONFIRMED', () => {
    const e = cancelledAfterConfirmation();
    const timeline = buildOrderTimeline(
      source([e.placed, e.reserved, e.authorized, e.resConfirmed, e.confirmed], 'CONFIRMED'),
    );
    expect(timeline.finishedAt).toBeUndefined();
    expect(timeline.durationMs).toBeUndefined();
    expect(timeline.cancellationReason).toBeUndefined();
    expect(timeline.events).toHaveLength(5);
  });

  it('marks an event that changed nothing, and says so in its action', () => {
    const placed = entry('OrderPlaced', 'order', 0, null);
    const cancelled = entry('OrderCancelled', 'order', 10, null, {
      statusAfter: 'CANCELLED',
      detail: { reason: 'CUSTOMER_REQUEST', previousStatus: 'PENDING' },
    });
    const declined = entry('PaymentDeclined', 'payment', 30, 'abababab-0000-4000-8000-000000000000', {
      statusAfter: 'CANCELLED',
      detail: { effect: 'none', reason: 'INSUFFICIENT_FUNDS', paymentId: 'p-9' },
    });
    const timeline = buildOrderTimeline(
      source([declined, cancelled, placed], 'CANCELLED', 'CUSTOMER_REQUEST'),
    );
    const late = timeline.events.find((ev) => ev.eventType === 'PaymentDeclined')!;
    expect(late).toMatchObject({
      effect: 'none',
      action: 'declined: INSUFFICIENT_FUNDS; no change, the order was already CANCELLED',
      details: { reason: 'INSUFFICIENT_FUNDS', paymentId: 'p-9' },
      causedBy: null,
      depth: 0,
    });
    expect(timeline.events.find((ev) => ev.eventType === 'OrderCancelled')!.effect).toBe('applied');
  });

  it('lists each trace id once, in causal order, and keeps missing trace context as null', () => {
    const other = '0af7651916cd43dd8448eb211c80319c';
    const placed = entry('OrderPlaced', 'order', 0, null, { traceId: TRACE, spanId: '00f067aa0ba902b7' });
    const reserved = entry('StockReserved', 'inventory', 5, placed, {
      traceId: TRACE,
      spanId: '00f067aa0ba902b8',
    });
    const cancelled = entry('OrderCancelled', 'order', 9, null, {
      traceId: other,
      spanId: 'b7ad6b7169203331',
    });
    const untraced = entry('StockReleased', 'inventory', 12, cancelled);
    const timeline = buildOrderTimeline(source([untraced, cancelled, reserved, placed], 'CANCELLED'));
    expect(timeline.traceIds).toEqual([TRACE, other]);
    expect(timeline.events.map((ev) => [ev.traceId, ev.spanId])).toEqual([
      [TRACE, '00f067aa0ba902b7'],
      [TRACE, '00f067aa0ba902b8'],
      [other, 'b7ad6b7169203331'],
      [null, null],
    ]);
  });

  it('starts at the order creation time when OrderPlaced is not in the history', () => {
    const released = entry('StockReleased', 'inventory', 50, null);
    const timeline = buildOrderTimeline(source([released]));
    expect(timeline.startedAt).toBe(new Date(T0).toISOString());
    expect(timeline.events[0]!.sinceStartMs).toBe(50);
  });
});

describe('describeEvent', () => {
  /** The detail each reaction records: the payload fields without the order id. */
  const detailOf = (type: EventType): Record<string, unknown> => {
    const { orderId: _o, ...rest } = FIXTURE_PAYLOADS[type] as Record<string, unknown>;
    return rest;
  };

  it.each(Object.keys(EVENTS) as EventType[])('%s gets its own sentence', (type) => {
    const action = describeEvent({ eventType: type, detail: detailOf(type), statusAfter: 'PENDING' });
    expect(action).not.toBe(type);
    expect(action).toMatch(/^[a-z]/);
    expect(action).not.toMatch(/undefined|null|\[object/);
  });

  it.each([
    [
      'StockReservationFailed',
      { reason: 'OUT_OF_STOCK', skus: ['MUG-RED'] },
      'could not reserve: OUT_OF_STOCK, SKUs MUG-RED',
    ],
    ['PaymentDeclined', { reason: 'INSUFFICIENT_FUNDS' }, 'declined: INSUFFICIENT_FUNDS'],
    ['OrderCancelled', { reason: 'OUT_OF_STOCK', previousStatus: 'PENDING' }, 'cancelled: OUT_OF_STOCK'],
    ['ReservationExpired', { reservationId: 'r-7' }, 'reservation r-7 expired, its stock released'],
    ['PaymentCaptured', { amount: { amount: 1500, currency: 'EUR' } }, 'captured 15.00 EUR'],
    ['PaymentRefunded', { amount: { amount: 7, currency: 'EUR' } }, 'refunded 0.07 EUR'],
    ['OrderPlaced', { lines: 1, units: 1 }, 'placed 1 line (1 unit)'],
    // History written before units were recorded still reads well.
    ['OrderPlaced', { lines: 3 }, 'placed 3 lines'],
    ['StockReserved', { total: { amount: 100, currency: 'EUR' } }, 'reserved the stock, total 1.00 EUR'],
    ['SomethingNew', {}, 'SomethingNew'],
  ])('%s %j → %s', (eventType, detail, expected) => {
    expect(describeEvent({ eventType, detail, statusAfter: 'PENDING' })).toBe(expected);
  });
});

describe('money', () => {
  it('formats integer minor units with the currency’s decimals', () => {
    expect(money({ amount: 5998, currency: 'EUR' })).toBe('59.98 EUR');
    expect(money({ amount: 5, currency: 'EUR' })).toBe('0.05 EUR');
    expect(money({ amount: 1500, currency: 'JPY' })).toBe('1500 JPY');
    expect(money({ amount: 12345, currency: 'KWD' })).toBe('12.345 KWD');
    expect(money({ amount: 1.5, currency: 'EUR' })).toBeUndefined();
    expect(money(null)).toBeUndefined();
  });
});
