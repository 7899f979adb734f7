import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { ChaosService, Metrics, serviceInfrastructure } from '@ordermesh/platform';
import { FindPaymentsHandler } from './application/find-payments/find-payments.handler';
import { CLOCK, ID_GENERATOR } from './application/ports/clock.port';
import { PAYMENT_REPOSITORY } from './application/ports/payment.repository.port';
import { PaymentConfig } from './config';
import { PAYMENT_GATEWAY } from './domain/payment-gateway';
import { BreakerGuardedPaymentGateway } from './infrastructure/gateway/payment-gateway.provider';
import { PrismaPaymentRepository } from './infrastructure/prisma/payment.repository';
import { PaymentPrisma } from './infrastructure/prisma/prisma.service';
import { PaymentsController } from './interface/http/payments.controller';
import { paymentReactions } from './interface/messaging/payment-reactions';

@Module({})
export class PaymentAppModule {
  static register(config: PaymentConfig): DynamicModule {
    return {
      module: PaymentAppModule,
      imports: serviceInfrastructure(config),
      controllers: [PaymentsController],
      providers: [
        PaymentPrisma,
        { provide: PAYMENT_REPOSITORY, useClass: PrismaPaymentRepository },
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
        ...paymentReactions,
      ],
    };
  }
}
