/**
 * Splits an integer amount over weights in proportion, by largest remainder, so the parts add
 * up to the amount exactly (ties go to the earlier part, which keeps it deterministic). With
 * nothing to be proportional to (all weights 0) the first part takes it all rather than lose
 * cents. Used for order discounts over lines, by the loader and by the simulator alike.
 */
export function allocateLargestRemainder(amount: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (total <= 0) return weights.map((_, i) => (i === 0 ? amount : 0));
  const parts = weights.map((w) => Math.floor((amount * w) / total));
  let left = amount - parts.reduce((a, b) => a + b, 0);
  const order = weights
    .map((w, i) => ({ i, rem: (amount * w) / total - Math.floor((amount * w) / total) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts;
}
