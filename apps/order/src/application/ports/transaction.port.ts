import type { Queryable } from '@ordermesh/platform';

export const TRANSACTIONS = Symbol('TRANSACTIONS');

/** Runs work in one database transaction (retrying it on serialization failures and deadlocks). */
export interface Transactions {
  run<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}
