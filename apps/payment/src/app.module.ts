import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule, HealthModule, loggingModule } from '@ordermesh/platform';
import { FindPaymentsHandler } from './application/find-payments/find-payments.handler';
import { PAYMENT_REPOSITORY } from './application/ports/payment.repository.port';
import { PaymentConfig } from './config';
import { PrismaPaymentRepository } from './infrastructure/prisma/payment.repository';
import { PaymentPrisma } from './infrastructure/prisma/prisma.service';
import { PaymentsController } from './interface/http/payments.controller';

@Module({})
export class PaymentAppModule {
  static register(config: PaymentConfig): DynamicModule {
    return {
      module: PaymentAppModule,
      imports: [
        loggingModule({ service: config.service, level: config.log.level }),
        DatabaseModule.forRoot({ url: config.database.url, poolSize: config.database.poolSize, applicationName: 'payment' }),
        HealthModule.forRoot(),
      ],
      controllers: [PaymentsController],
      providers: [PaymentPrisma, { provide: PAYMENT_REPOSITORY, useClass: PrismaPaymentRepository }, FindPaymentsHandler],
    };
  }
}
