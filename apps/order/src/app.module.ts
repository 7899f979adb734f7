import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { serviceInfrastructure } from '@ordermesh/platform';
import { CancelOrderHandler } from './application/cancel-order/cancel-order.handler';
import { CancelOrderWhenPaymentDeclined } from './application/cancel-order-when-payment-declined/cancel-order-when-payment-declined.handler';
import { CancelOrderWhenReservationExpired } from './application/cancel-order-when-reservation-expired/cancel-order-when-reservation-expired.handler';
import { CancelOrderWhenStockReservationFailed } from './application/cancel-order-when-stock-reservation-failed/cancel-order-when-stock-reservation-failed.handler';
import { CompleteFulfillmentWhenPaymentCaptured } from './application/complete-fulfillment-when-payment-captured/complete-fulfillment-when-payment-captured.handler';
import { CompleteFulfillmentWhenStockCommitted } from './application/complete-fulfillment-when-stock-committed/complete-fulfillment-when-stock-committed.handler';
import { ConfirmOrderWhenReservationConfirmed } from './application/confirm-order-when-reservation-confirmed/confirm-order-when-reservation-confirmed.handler';
import { FulfillOrderHandler } from './application/fulfill-order/fulfill-order.handler';
import { GetOrderHandler } from './application/get-order/get-order.handler';
import { GetOrderTimelineHandler } from './application/get-order-timeline/get-order-timeline.handler';
import { ListOrdersHandler } from './application/list-orders/list-orders.handler';
import { PlaceOrderHandler } from './application/place-order/place-order.handler';
import { CLOCK, ID_GENERATOR } from './application/ports/clock.port';
import { ORDER_REPOSITORY } from './application/ports/order.repository.port';
import { TRANSACTIONS } from './application/ports/transaction.port';
import { RecordCompensationWhenCompensated } from './application/record-compensation-when-compensated/record-compensation-when-compensated.handler';
import { RecordPaymentWhenPaymentAuthorized } from './application/record-payment-when-payment-authorized/record-payment-when-payment-authorized.handler';
import { RecordReservationWhenStockReserved } from './application/record-reservation-when-stock-reserved/record-reservation-when-stock-reserved.handler';
import { OrderCommand } from './application/shared/order-command';
import { OrderSagaStep } from './application/shared/order-saga-step';
import { OrderConfig } from './config';
import { PgTransactions } from './infrastructure/db/pg-transactions';
import { PLACEMENT_BATCHING, SqlOrderRepository } from './infrastructure/sql/sql-order.repository';
import { OrdersController } from './interface/http/orders.controller';
import { OrderSagaConsumer } from './interface/messaging/order-saga.consumer';
import { OrderRunScope } from './interface/messaging/order-run-scope';

@Module({})
export class OrderAppModule {
  static register(config: OrderConfig): DynamicModule {
    return {
      module: OrderAppModule,
      imports: serviceInfrastructure(config),
      controllers: [OrdersController, OrderSagaConsumer],
      providers: [
        { provide: PLACEMENT_BATCHING, useValue: config.placement },
        { provide: ORDER_REPOSITORY, useClass: SqlOrderRepository },
        { provide: TRANSACTIONS, useClass: PgTransactions },
        { provide: CLOCK, useValue: { now: () => new Date() } },
        { provide: ID_GENERATOR, useValue: { next: () => randomUUID() } },
        OrderSagaStep,
        OrderRunScope,
        OrderCommand,
        PlaceOrderHandler,
        GetOrderHandler,
        GetOrderTimelineHandler,
        ListOrdersHandler,
        CancelOrderHandler,
        FulfillOrderHandler,
        RecordReservationWhenStockReserved,
        CancelOrderWhenStockReservationFailed,
        RecordPaymentWhenPaymentAuthorized,
        ConfirmOrderWhenReservationConfirmed,
        CancelOrderWhenPaymentDeclined,
        CancelOrderWhenReservationExpired,
        CompleteFulfillmentWhenStockCommitted,
        CompleteFulfillmentWhenPaymentCaptured,
        RecordCompensationWhenCompensated,
      ],
    };
  }
}
