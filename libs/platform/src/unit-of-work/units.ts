import type { ServiceName } from '@ordermesh/contracts';
import type { Pool } from 'pg';
import { withTransaction } from '../db/transaction';
import type { Queryable } from '../messaging/outbox';
import { RunOutbox } from './run-outbox';
import type { UnitOfWorkStore, UnitsOfWork } from './unit-of-work';

/** Who publishes a service's events, and under which outbox aggregate type. */
export interface Producer {
  service: ServiceName;
  aggregateType: string;
}

/**
 * One unit of work inside `tx`: open (lock + load what `claims` name), `fn`, then write state and outbox rows.
 * Nothing is written if `fn` throws (the caller's transaction rolls back).
 */
export async function inUnitOfWork<W, C, T>(
  tx: Queryable,
  store: UnitOfWorkStore<W, C>,
  producer: Producer,
  claims: readonly C[],
  fn: (work: W) => Promise<T>,
): Promise<T> {
  const outbox = new RunOutbox(producer.service, producer.aggregateType);
  const work = await store.open(tx, claims, outbox);
  const result = await fn(work);
  await store.flush(tx, work, outbox);
  await outbox.flush(tx);
  return result;
}

/** Commands as units of work: each `run` is one transaction (re-run whole on a serialization failure or deadlock). */
export class TransactionalUnits<W, C> implements UnitsOfWork<W, C> {
  constructor(
    private readonly pool: Pool,
    private readonly store: UnitOfWorkStore<W, C>,
    private readonly producer: Producer,
  ) {}

  run<T>(claims: readonly C[], fn: (work: W) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, (tx) => inUnitOfWork(tx, this.store, this.producer, claims, fn));
  }
}
