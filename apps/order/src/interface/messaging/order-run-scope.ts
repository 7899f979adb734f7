import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { MessagingRuntime } from '@ordermesh/platform';
import { ORDER_REPOSITORY, OrderRepository } from '../../application/ports/order.repository.port';

/**
 * Consumed runs of saga events (one partition's batch, one transaction) load and lock their orders with one query
 * and write them back with one statement (`OrderRepository.withinRun`), instead of a lock and a write per event: the
 * order service reacts to three events per order, so this is most of its database work. Locking the run's orders in
 * id order also keeps runs of different partitions from deadlocking on an order both touch.
 */
@Injectable()
export class OrderRunScope implements OnModuleInit {
  constructor(
    private readonly runtime: MessagingRuntime,
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
  ) {}

  onModuleInit(): void {
    this.runtime.batchScope = (tx, envelopes, run) =>
      this.orders.withinRun(
        tx,
        envelopes.map((e) => e.aggregateId),
        run,
      );
  }
}
