import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { ChaosService, Metrics, serviceInfrastructure } from '@ordermesh/platform';
import { AuthorizePaymentWhenStockReserved } from './application/authorize-payment-when-stock-reserved/authorize-payment-when-stock-reserved.handler';
import { CapturePaymentWhenFulfillmentRequested } from './application/capture-payment-when-fulfillment-requested/capture-payment-when-fulfillment-requested.handler';
import { FindPaymentsHandler } from './application/find-payments/find-payments.handler';
import { CLOCK, ID_GENERATOR } from './application/ports/clock.port';
import { PAYMENT_STORE } from './application/ports/payment-store.port';
import { PaymentRunScope } from './interface/messaging/payment-run-scope';
import { PAYMENT_REPOSITORY } from './application/ports/payment.repository.port';
import { VoidOrRefundWhenOrderCancelled } from './application/void-or-refund-when-order-cancelled/void-or-refund-when-order-cancelled.handler';
import { PaymentConfig } from './config';
import { PAYMENT_GATEWAY } from './domain/payment-gateway';
import { BreakerGuardedPaymentGateway } from './infrastructure/gateway/payment-gateway.provider';
import { PrismaPaymentRepository } from './infrastructure/prisma/payment.repository';
import { PaymentPrisma } from './infrastructure/prisma/prisma.service';
import { SqlPaymentStore } from './infrastructure/sql/sql-payment.store';
import { PaymentsController } from './interface/http/payments.controller';
import { OrderCancelledConsumer } from './interface/messaging/order-cancelled.consumer';
import { OrderFulfillmentRequestedConsumer } from './interface/messaging/order-fulfillment-requested.consumer';
import { StockReservedConsumer } from './interface/messaging/stock-reserved.consumer';

@Module({})
export class PaymentAppModule {
  static register(config: PaymentConfig): DynamicModule {
    return {
      module: PaymentAppModule,
      imports: serviceInfrastructure(config),
      controllers: [
        PaymentsController,
        StockReservedConsumer,
        OrderCancelledConsumer,
        OrderFulfillmentRequestedConsumer,
      ],
      providers: [
        PaymentPrisma,
        { provide: PAYMENT_REPOSITORY, useClass: PrismaPaymentRepository },
        { provide: PAYMENT_STORE, useClass: SqlPaymentStore },
        PaymentRunScope,
        {
          provide: PAYMENT_GATEWAY,
          inject: [
            { token: Metrics, optional: true },
            { token: ChaosService, optional: true },
          ],
          useFactory: (metrics: Metrics | null, chaos: ChaosService | null) =>
            new BreakerGuardedPaymentGateway(config.gateway, config.gatewayBreaker, metrics, chaos),
        },
        { provide: CLOCK, useValue: { now: () => new Date() } },
        { provide: ID_GENERATOR, useValue: { next: () => randomUUID() } },
        FindPaymentsHandler,
        AuthorizePaymentWhenStockReserved,
        VoidOrRefundWhenOrderCancelled,
        CapturePaymentWhenFulfillmentRequested,
      ],
    };
  }
}
