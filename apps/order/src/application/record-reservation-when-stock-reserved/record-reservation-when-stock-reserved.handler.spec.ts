import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { RecordReservationWhenStockReserved } from './record-reservation-when-stock-reserved.handler';

describe('RecordReservationWhenStockReserved', () => {
  const reaction = new RecordReservationWhenStockReserved(new OrderSagaStep(clockAt()));

  const reserved = (order: Order) =>
    fixtureEnvelope('StockReserved', {
      aggregateId: order.id,
      payload: {
        orderId: order.id,
        customerId: order.snapshot().customerId,
        reservationId: randomUUID(),
        lines: [
          { sku: 'MUG-RED', quantity: 2, unitPrice: { amount: 1299, currency: 'EUR' } },
          { sku: 'TEE-BLUE', quantity: 1, unitPrice: { amount: 1500, currency: 'EUR' } },
        ],
        total: { amount: 4098, currency: 'EUR' },
        expiresAt: '2030-01-01T00:15:00.000Z',
      },
    });

  it('claims the order and records prices, total and reservation; the order stays PENDING and publishes nothing', async () => {
    const order = orderIn('PENDING');
    const work = new FakeOrderWork(order);
    const event = reserved(order);
    expect(reaction.claims(event)).toBe(order.id);
    await reaction.react(event, work);
    const s = order.snapshot();
    expect(s).toMatchObject({
      status: 'PENDING',
      totalAmount: 4098,
      currency: 'EUR',
      reservationId: event.payload.reservationId,
    });
    expect(s.lines.map((l) => l.unitPrice?.amount)).toEqual([1299, 1500]);
    expect(work.saves).toEqual([order]);
    expect(work.summary()).toEqual({ published: [], history: ['StockReserved:PENDING'] });
  });

  it('a second reservation changes nothing: history only', async () => {
    const order = orderIn('RESERVED');
    const work = new FakeOrderWork(order);
    await reaction.react(reserved(order), work);
    expect(work.saves).toEqual([]);
    expect(work.history[0]!.entry.detail).toMatchObject({ effect: 'none' });
  });
});
