import { FieldType, createDataFrame, toDataFrame } from '@grafana/data';
import {
  computeFunnel,
  findBottleneck,
  formatPercent,
  formatSignedPercent,
  orderSteps,
  parseBenchmarks,
  toCount,
} from './funnel';
import { stepLinkFromTemplate, stepsFromFrame } from './frames';
import { StepInput } from './types';

const steps = (...pairs: Array<[string, number | null]>): StepInput[] =>
  pairs.map(([name, count]) => ({ name, count }));

const shop = steps(['Visitors', 1000], ['Add to cart', 250], ['Checkout', 100], ['Order', 30]);

function finite(values: Array<number | null>): boolean {
  return values.every((v) => v === null || Number.isFinite(v));
}

describe('computeFunnel', () => {
  it('computes % of first, % of previous and drop-off for 1000 → 250 → 100 → 30', () => {
    const { steps: out, overall } = computeFunnel(shop);
    expect(out.map((s) => s.ofFirst)).toEqual([1, 0.25, 0.1, 0.03]);
    expect(out.map((s) => s.ofPrevious)).toEqual([null, 0.25, 0.4, 0.3]);
    expect(out.map((s) => s.lost)).toEqual([null, 750, 150, 70]);
    expect(out.map((s) => s.dropOff)).toEqual([null, 0.75, 0.6, 0.7]);
    expect(overall).toBeCloseTo(0.03, 10);
    expect(out.map((s) => formatPercent(s.ofFirst, 1))).toEqual(['100.0 %', '25.0 %', '10.0 %', '3.0 %']);
  });

  it('does not report the last step as 100 %', () => {
    const last = computeFunnel(shop).steps[3];
    expect(formatPercent(last?.ofFirst ?? null, 1)).toBe('3.0 %');
    expect(formatPercent(last?.ofPrevious ?? null, 1)).toBe('30.0 %');
  });

  it('picks the largest drop-off as bottleneck without benchmarks', () => {
    const result = computeFunnel(shop);
    expect(result.bottleneckIndex).toBe(1);
    expect(result.steps.map((s) => s.isBottleneck)).toEqual([false, true, false, false]);
  });

  it('picks the step furthest above its benchmark when benchmarks are given', () => {
    // Add to cart loses 75 % (expected 90: better than expected), Checkout 60 % (expected 60),
    // Order 70 % (expected 50: 20 points worse) → Order is the bottleneck.
    const { values } = parseBenchmarks('Add to cart: 90, Checkout: 60, Order: 50');
    const result = computeFunnel(shop, { benchmarks: values });
    expect(result.steps.map((s) => s.benchmark)).toEqual([null, 0.9, 0.6, 0.5]);
    expect(result.steps[3]?.excess).toBeCloseTo(0.2, 10);
    expect(result.bottleneckIndex).toBe(3);
    expect(result.steps[3]?.lost).toBe(70);
  });

  it('treats a step without a benchmark as expected to lose nobody', () => {
    const { values } = parseBenchmarks('Add to cart: 90');
    // Checkout: 60 % above 0, Order: 70 % above 0, Add to cart: −15 points → Order.
    expect(computeFunnel(shop, { benchmarks: values }).bottleneckIndex).toBe(3);
  });

  it('shows a later step larger than an earlier one as a gain, never clamped', () => {
    const result = computeFunnel(steps(['Visitors', 100], ['Cart', 120], ['Order', 60]));
    const cart = result.steps[1];
    expect(cart?.lost).toBe(-20);
    expect(cart?.dropOff).toBeCloseTo(-0.2, 10);
    expect(cart?.ofPrevious).toBeCloseTo(1.2, 10);
    expect(cart?.isBottleneck).toBe(false);
    expect(result.bottleneckIndex).toBe(2);
    // Bars scale to the largest step, so no bar is drawn over 100 %.
    expect(result.steps.map((s) => s.barRatio)).toEqual([100 / 120, 1, 0.5]);
  });

  it('has no bottleneck when no step loses anyone', () => {
    expect(computeFunnel(steps(['A', 10], ['B', 10], ['C', 12])).bottleneckIndex).toBeNull();
  });

  it('handles a zero first step without NaN or Infinity', () => {
    const result = computeFunnel(steps(['Visitors', 0], ['Cart', 0], ['Order', 0]));
    for (const s of result.steps) {
      expect(finite([s.ofFirst, s.ofPrevious, s.dropOff, s.lost, s.excess, s.barRatio])).toBe(true);
    }
    expect(result.steps.map((s) => s.ofFirst)).toEqual([null, null, null]);
    expect(result.steps.map((s) => s.lost)).toEqual([null, 0, 0]);
    expect(result.bottleneckIndex).toBeNull();
    expect(result.overall).toBeNull();
  });

  it('handles a zero in the middle: the next ratio is unknown, the loss is real', () => {
    const result = computeFunnel(steps(['A', 100], ['B', 0], ['C', 0]));
    expect(result.steps[1]?.dropOff).toBe(1);
    expect(result.steps[2]?.dropOff).toBeNull();
    expect(result.steps[2]?.ofPrevious).toBeNull();
    expect(result.bottleneckIndex).toBe(1);
  });

  it('keeps a missing count missing instead of treating it as zero', () => {
    const result = computeFunnel(steps(['A', 100], ['B', null], ['C', 20]));
    expect(result.steps[1]?.ofFirst).toBeNull();
    expect(result.steps[1]?.lost).toBeNull();
    expect(result.steps[2]?.ofPrevious).toBeNull();
    expect(result.steps[2]?.ofFirst).toBeCloseTo(0.2, 10);
    expect(result.bottleneckIndex).toBeNull();
  });

  it('handles a single step and no steps', () => {
    const one = computeFunnel(steps(['Visitors', 500]));
    expect(one.steps[0]?.ofFirst).toBe(1);
    expect(one.steps[0]?.ofPrevious).toBeNull();
    expect(one.bottleneckIndex).toBeNull();
    expect(one.overall).toBeNull();
    expect(computeFunnel([])).toEqual({ steps: [], bottleneckIndex: null, overall: null });
  });

  it('compares with an earlier period by step name', () => {
    const previous = steps(['order', 25], ['Visitors', 800], ['Add to cart', 250], ['Checkout', 0]);
    const result = computeFunnel(shop, { previous });
    expect(result.steps.map((s) => s.comparison?.delta)).toEqual([200, 0, 100, 5]);
    expect(result.steps.map((s) => s.comparison?.change)).toEqual([0.25, 0, null, 0.2]);
  });

  it('ties go to the earlier step', () => {
    const result = computeFunnel(steps(['A', 100], ['B', 50], ['C', 25]));
    expect(findBottleneck(result.steps)).toBe(1);
  });
});

describe('parseBenchmarks', () => {
  it('accepts ":", "=", "%" and several separators, case-insensitive names', () => {
    const { values, invalid } = parseBenchmarks('Add to cart: 90 %; checkout=60\n  ORDER : 50.5, bogus, Big: 150');
    expect([...values.entries()]).toEqual([
      ['add to cart', 0.9],
      ['checkout', 0.6],
      ['order', 0.505],
    ]);
    expect(invalid).toEqual(['bogus', 'Big: 150']);
  });

  it('returns nothing for an empty option', () => {
    expect(parseBenchmarks('').values.size).toBe(0);
  });
});

describe('orderSteps', () => {
  it('keeps the data order by default and sorts by count on request, missing last', () => {
    const input = steps(['B', 10], ['A', null], ['C', 30], ['D', 10]);
    expect(orderSteps(input, 'asGiven').map((s) => s.name)).toEqual(['B', 'A', 'C', 'D']);
    expect(orderSteps(input, 'byCountDesc').map((s) => s.name)).toEqual(['C', 'B', 'D', 'A']);
  });
});

describe('formatting', () => {
  it('never prints NaN or Infinity', () => {
    expect(formatPercent(null, 1)).toBe('–');
    expect(formatPercent(Number.NaN, 1)).toBe('–');
    expect(formatPercent(Number.POSITIVE_INFINITY, 1)).toBe('–');
    expect(formatSignedPercent(-0.2, 0)).toBe('−20 %');
    expect(formatSignedPercent(0.125, 2)).toBe('+12.50 %');
  });

  it('treats negative and non-numeric counts as missing', () => {
    expect([toCount(-1), toCount('x'), toCount(undefined), toCount('12'), toCount(0)]).toEqual([null, null, null, 12, 0]);
  });
});

describe('stepsFromFrame', () => {
  it('reads steps from rows (string + number field)', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'step', type: FieldType.string, values: ['Visitors', 'Add to cart', 'Checkout', 'Order'] },
        { name: 'count', type: FieldType.number, values: [1000, 250, 100, 30] },
      ],
    });
    expect(stepsFromFrame(frame)).toEqual([
      { name: 'Visitors', count: 1000, links: [] },
      { name: 'Add to cart', count: 250, links: [] },
      { name: 'Checkout', count: 100, links: [] },
      { name: 'Order', count: 30, links: [] },
    ]);
  });

  it('reads steps from fields, using the last row', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1, 2] },
        { name: 'visitors', type: FieldType.number, values: [10, 1000], config: { displayName: 'Visitors' } },
        { name: 'cart', type: FieldType.number, values: [5, 250] },
        { name: 'order', type: FieldType.number, values: [1, null] },
      ],
    });
    expect(stepsFromFrame(frame).map((s) => [s.name, s.count])).toEqual([
      ['Visitors', 1000],
      ['cart', 250],
      ['order', null],
    ]);
  });

  it('returns no steps for an empty frame or none', () => {
    expect(stepsFromFrame(undefined)).toEqual([]);
    expect(stepsFromFrame(createDataFrame({ fields: [] }))).toEqual([]);
  });

  it('expands the link template per step', () => {
    const link = stepLinkFromTemplate('/d/x?var-step=${__step}&n=${__count}&from=${__from}', { name: 'Add to cart', count: 250 }, (s) =>
      s.replace('${__from}', '123')
    );
    expect(link?.href).toBe('/d/x?var-step=Add%20to%20cart&n=250&from=123');
    expect(stepLinkFromTemplate('  ', { name: 'A', count: 1 }, (s) => s)).toBeNull();
  });
});
