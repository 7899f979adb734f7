import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, Queryable, withTransaction } from '@ordermesh/platform';
import { Pool } from 'pg';
import { Transactions } from '../../application/ports/transaction.port';

@Injectable()
export class PgTransactions implements Transactions {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  run<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, work);
  }
}
