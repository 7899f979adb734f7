import { StockInvariantError, StockLevel } from './stock-level';

describe('StockLevel', () => {
  const level = () =>
    new StockLevel('MUG', { available: 5, reserved: 2, committed: 1 }, { amount: 1, currency: 'EUR' });
  const total = (s: StockLevel) => Object.values(s.snapshot()).reduce((a, b) => a + b, 0);

  it('moves units between buckets and keeps their sum', () => {
    const s = level();
    s.reserve(3);
    expect(s.snapshot()).toEqual({ available: 2, reserved: 5, committed: 1 });
    s.apply('RESERVED_TO_COMMITTED', 4);
    s.apply('RESERVED_TO_AVAILABLE', 1);
    expect(s.snapshot()).toEqual({ available: 3, reserved: 0, committed: 5 });
    expect(total(s)).toBe(8);
    expect(s.isChanged).toBe(true);
  });

  it('refuses a move that would take a bucket below zero, leaving the units as they were', () => {
    const s = level();
    expect(() => s.reserve(6)).toThrow(StockInvariantError);
    expect(() => s.apply('RESERVED_TO_AVAILABLE', 3)).toThrow(StockInvariantError);
    expect(() => s.reserve(0)).toThrow(StockInvariantError);
    expect(s.snapshot()).toEqual({ available: 5, reserved: 2, committed: 1 });
    expect(s.isChanged).toBe(false);
  });
});
