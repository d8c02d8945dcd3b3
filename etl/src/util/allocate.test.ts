import { allocateLargestRemainder } from './allocate';

describe('allocateLargestRemainder', () => {
  it('splits in proportion and adds up exactly', () => {
    expect(allocateLargestRemainder(1000, [3000, 1000])).toEqual([750, 250]);
    expect(allocateLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateLargestRemainder(7, [2599, 4599, 1299])).toEqual([2, 4, 1]);
  });

  it('always sums to the amount for awkward inputs', () => {
    for (let amount = 0; amount < 300; amount += 7) {
      const weights = [1299, 2499, 4599, 999].slice(0, 1 + (amount % 4));
      const parts = allocateLargestRemainder(amount, weights);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(amount);
      for (const p of parts) expect(p).toBeGreaterThanOrEqual(0);
    }
  });

  it('handles empty and zero weights', () => {
    expect(allocateLargestRemainder(5, [])).toEqual([]);
    expect(allocateLargestRemainder(5, [0, 0])).toEqual([5, 0]);
  });
  it('splits an order discount over its lines to the cent', () => {
    // 500 over 4000:1000 → 400 and 100 exactly.
    expect(allocateLargestRemainder(500, [4000, 1000])).toEqual([400, 100]);
    // 100 over three equal lines: 33.33 each → 34, 33, 33 (first line takes the spare cent).
    expect(allocateLargestRemainder(100, [999, 999, 999])).toEqual([34, 33, 33]);
    // 1 cent over 1:2 → exact 0.33/0.67 → the larger remainder (second line) gets it.
    expect(allocateLargestRemainder(1, [100, 200])).toEqual([0, 1]);
    expect(allocateLargestRemainder(0, [100, 200])).toEqual([0, 0]);
  });
});
