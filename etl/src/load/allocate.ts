/**
 * Splits an order-level discount over its lines in proportion to each line's subtotal, using
 * largest remainders so the parts are whole cents that add up to the discount exactly.
 * Ties go to the earlier line, so the split is deterministic.
 */
export function allocateDiscount(discountCents: number, lineSubtotalsCents: number[]): number[] {
  const total = lineSubtotalsCents.reduce((a, b) => a + b, 0);
  if (discountCents <= 0 || lineSubtotalsCents.length === 0) return lineSubtotalsCents.map(() => 0);
  if (total <= 0) {
    // Nothing to be proportional to: put it all on the first line rather than lose cents.
    return lineSubtotalsCents.map((_, i) => (i === 0 ? discountCents : 0));
  }
  const exact = lineSubtotalsCents.map((s) => (discountCents * s) / total);
  const parts = exact.map(Math.floor);
  let left = discountCents - parts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left -= 1;
  }
  return parts;
}
