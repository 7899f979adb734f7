import type { Queryable } from './outbox';
import { RunStates } from './run-state';

describe('RunStates', () => {
  const tx = {} as Queryable;
  const otherTx = {} as Queryable;

  it('shows the state on its transaction only while the run is open, then flushes it', async () => {
    const runs = new RunStates<{ n: number }>();
    const state = { n: 0 };
    const flushed: number[] = [];
    const result = await runs.within(
      tx,
      state,
      async () => {
        runs.of(tx)!.n++;
        expect(runs.of(otherTx)).toBeUndefined();
        return 'done';
      },
      async (s) => void flushed.push(s.n),
    );
    expect(result).toBe('done');
    expect(flushed).toEqual([1]);
    expect(runs.of(tx)).toBeUndefined();
  });

  it('removes the state and skips the flush when the run throws; a nested run on one transaction is refused', async () => {
    const runs = new RunStates<object>();
    let flushed = false;
    await expect(
      runs.within(
        tx,
        {},
        async () => {
          await expect(
            runs.within(
              tx,
              {},
              async () => 1,
              async () => undefined,
            ),
          ).rejects.toThrow(/already open/);
          throw new Error('handler failed');
        },
        async () => {
          flushed = true;
        },
      ),
    ).rejects.toThrow('handler failed');
    expect(flushed).toBe(false);
    expect(runs.of(tx)).toBeUndefined();
  });
});
