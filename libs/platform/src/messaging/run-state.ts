import type { Queryable } from './outbox';

/**
 * State a repository keeps for one consumed run, keyed by the run's transaction (see EventProcessor.aroundBatch):
 * while the run's reactions execute, repository calls on that transaction see it; once the run ends — committed,
 * failed or thrown — it is gone, because pool clients are reused by later transactions.
 */
export class RunStates<S> {
  private readonly states = new WeakMap<Queryable, S>();

  /** The open run's state on `tx`, if a run is open there. */
  of(tx: Queryable): S | undefined {
    return this.states.get(tx);
  }

  /** Runs `fn` with `state` open on `tx`, then `flush` (still inside the transaction); the state is removed either way. */
  async within<T>(
    tx: Queryable,
    state: S,
    fn: () => Promise<T>,
    flush: (state: S) => Promise<void>,
  ): Promise<T> {
    if (this.states.has(tx)) throw new Error('a run is already open on this transaction');
    this.states.set(tx, state);
    try {
      const result = await fn();
      await flush(state);
      return result;
    } finally {
      this.states.delete(tx);
    }
  }
}
