import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { MessagingRuntime } from '@ordermesh/platform';
import { PAYMENT_STORE, PaymentStore } from '../../application/ports/payment-store.port';

/**
 * Consumed runs (one partition's batch, one transaction) lock their orders and read their cancellations and payments
 * with two statements up front, and write what changed with one (`PaymentStore.withinRun`), instead of a lock, a read
 * and a write per event.
 */
@Injectable()
export class PaymentRunScope implements OnModuleInit {
  constructor(
    private readonly runtime: MessagingRuntime,
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
  ) {}

  onModuleInit(): void {
    this.runtime.batchScope = (tx, envelopes, run) =>
      this.store.withinRun(
        tx,
        envelopes.map((e) => e.aggregateId),
        run,
      );
  }
}
