import React from 'react';
import { render, screen, within } from '@testing-library/react';
import {
  DataFrame,
  FieldConfigOptionsRegistry,
  FieldType,
  applyFieldOverrides,
  createDataFrame,
  createTheme,
  ScopedVars,
  toDataFrame,
} from '@grafana/data';

interface DataContextScopedVar {
  frame: DataFrame;
  rowIndex?: number;
}
import { ThemeContext } from '@grafana/ui';
import { FunnelPanel } from './FunnelPanel';
import { FunnelOptions, defaultOptions } from '../types';
import { panelProps } from '../../../shared-config/test-utils/panelProps';

function funnelFrame(counts: Array<number | null>, names = ['Visitors', 'Add to cart', 'Checkout', 'Order']): DataFrame {
  return toDataFrame({
    fields: [
      { name: 'step', type: FieldType.string, values: names.slice(0, counts.length) },
      { name: 'count', type: FieldType.number, values: counts },
    ],
  });
}

function renderFunnel(series: DataFrame[], options: Partial<FunnelOptions> = {}, theme = createTheme(), width = 800) {
  const props = panelProps<FunnelOptions>({ ...defaultOptions, ...options }, series, { width });
  return render(
    <ThemeContext.Provider value={theme}>
      <FunnelPanel {...props} />
    </ThemeContext.Provider>
  );
}

const textsOf = (testId: string) => screen.queryAllByTestId(testId).map((el) => el.textContent);

describe('FunnelPanel', () => {
  it('renders counts, % of first and % of previous with exact values', () => {
    renderFunnel([funnelFrame([1000, 250, 100, 30])]);
    expect(textsOf('step-count')).toEqual(['1,000', '250', '100', '30']);
    expect(textsOf('step-of-first')).toEqual(['100.0 %', '25.0 %', '10.0 %', '3.0 %']);
    expect(textsOf('step-of-previous')).toEqual(['25.0 %', '40.0 %', '30.0 %']);
    expect(textsOf('dropoff-text')).toEqual([
      '▼ 75.0 % drop-off (750 lost)',
      '▼ 60.0 % drop-off (150 lost)',
      '▼ 70.0 % drop-off (70 lost)',
    ]);
  });

  it('marks the bottleneck in the theme error colour with its lost count', () => {
    const theme = createTheme({ colors: { mode: 'light' } });
    renderFunnel([funnelFrame([1000, 250, 100, 30])], { benchmarks: 'Add to cart: 90, Checkout: 60, Order: 50' }, theme);
    const steps = screen.getAllByTestId('funnel-step');
    expect(steps.map((s) => s.getAttribute('data-bottleneck'))).toEqual(['false', 'false', 'false', 'true']);
    expect(screen.getByTestId('bottleneck-label').textContent).toBe(' · Bottleneck: 70 lost');
    const bar = within(steps[3] as HTMLElement).getByTestId('funnel-bar');
    const normalBar = within(steps[0] as HTMLElement).getByTestId('funnel-bar');
    expect(bar.style.background).toBe(toCssRgb(theme.colors.error.main));
    expect(normalBar.style.background).toBe(toCssRgb(theme.colors.primary.main));
    expect(textsOf('dropoff-text')[2]).toBe('▼ 70.0 % drop-off (70 lost)');
    expect(screen.getAllByTestId('funnel-dropoff')[2]?.textContent).toContain('expected 50.0 %');
  });

  it('honours the decimals option', () => {
    renderFunnel([funnelFrame([3, 1])], { decimals: 2 });
    expect(textsOf('step-of-first')).toEqual(['100.00 %', '33.33 %']);
  });

  it('shows a gain honestly instead of clamping', () => {
    renderFunnel([funnelFrame([100, 120, 60])]);
    expect(textsOf('step-of-previous')).toEqual(['120.0 %', '50.0 %']);
    expect(textsOf('dropoff-text')).toEqual(['▲ gain 20.0 % (+20)', '▼ 50.0 % drop-off (60 lost)']);
  });

  it('renders zero and missing counts without NaN or Infinity', () => {
    const { container } = renderFunnel([funnelFrame([0, 0, null, 5])]);
    expect(textsOf('step-count')).toEqual(['0', '0', '–', '5']);
    expect(textsOf('step-of-first')).toEqual(['–', '–', '–', '–']);
    expect(container.textContent).not.toMatch(/NaN|Infinity/);
    expect(screen.queryByTestId('bottleneck-label')).toBeNull();
  });

  it('renders one step and says there is nothing to compare', () => {
    renderFunnel([funnelFrame([42])]);
    expect(textsOf('step-count')).toEqual(['42']);
    expect(textsOf('step-of-first')).toEqual(['100.0 %']);
    expect(screen.getByTestId('funnel-single')).toBeTruthy();
    expect(screen.queryAllByTestId('funnel-dropoff')).toHaveLength(0);
  });

  it('renders an empty state for no data', () => {
    renderFunnel([]);
    expect(screen.getByTestId('funnel-empty').textContent).toContain('No funnel data');
    renderFunnel([createDataFrame({ fields: [] })]);
    expect(screen.getAllByTestId('funnel-empty')).toHaveLength(2);
  });

  it('reads one number field per step and sorts by count when asked', () => {
    const frame = createDataFrame({
      fields: [
        { name: 'checkout', type: FieldType.number, values: [100] },
        { name: 'visitors', type: FieldType.number, values: [1000] },
        { name: 'cart', type: FieldType.number, values: [250] },
      ],
    });
    renderFunnel([frame], { order: 'byCountDesc' });
    expect(screen.getAllByTestId('funnel-step').map((s) => s.getAttribute('data-step'))).toEqual([
      'visitors',
      'cart',
      'checkout',
    ]);
  });

  it('hides drop-off when switched off and lays out horizontally', () => {
    renderFunnel([funnelFrame([1000, 250])], { showDropOff: false, layout: 'horizontal' });
    expect(screen.queryAllByTestId('funnel-dropoff')).toHaveLength(0);
    expect(screen.getByTestId('funnel').getAttribute('data-layout')).toBe('horizontal');
  });

  it('stacks steps on a phone and does not squeeze a horizontal funnel into it', () => {
    renderFunnel([funnelFrame([1000, 250, 100, 30])], { layout: 'horizontal' }, createTheme(), 390);
    const funnel = screen.getByTestId('funnel');
    expect(funnel.getAttribute('data-layout')).toBe('vertical');
    expect(funnel.getAttribute('data-compact')).toBe('true');
    expect(textsOf('step-of-first')).toEqual(['100.0 %', '25.0 %', '10.0 %', '3.0 %']);
  });

  it('shows the delta per step against a second (earlier) frame', () => {
    renderFunnel([funnelFrame([1000, 250, 100, 30]), funnelFrame([800, 250, 125, 0])]);
    expect(textsOf('step-comparison')).toEqual([
      '+200 (+25.0 %) vs earlier period (800)',
      '0 (0.0 %) vs earlier period (250)',
      '−25 (−20.0 %) vs earlier period (125)',
      '+30 (–) vs earlier period (0)',
    ]);
  });

  it('does not compare when the option is off', () => {
    renderFunnel([funnelFrame([1000, 250]), funnelFrame([800, 250])], { compare: false });
    expect(screen.queryAllByTestId('step-comparison')).toHaveLength(0);
  });

  it('links each step through the URL template and through field data links', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'step', type: FieldType.string, values: ['Visitors', 'Add to cart'] },
        {
          name: 'count',
          type: FieldType.number,
          values: [1000, 250],
          config: { links: [{ title: 'Explore', url: '/explore?step=${__data.fields.step}' }] },
        },
      ],
    });
    // Stands in for Grafana's template service: resolves ${__data.fields.<name>} from the row
    // that getLinksSupplier puts into the scoped vars.
    const replaceVariables = (value: string, scopedVars?: ScopedVars) => {
      const context = scopedVars?.__dataContext?.value as DataContextScopedVar | undefined;
      return value.replace(/\$\{__data\.fields\.(\w+)\}/g, (_m, name: string) => {
        const field = context?.frame.fields.find((f) => f.name === name);
        return field && context?.rowIndex !== undefined ? String(field.values[context.rowIndex]) : '';
      });
    };
    const [withLinks] = applyFieldOverrides({
      data: [frame],
      fieldConfig: { defaults: {}, overrides: [] },
      replaceVariables,
      theme: createTheme(),
      fieldConfigRegistry: new FieldConfigOptionsRegistry(),
    });
    renderFunnel([withLinks as DataFrame], { linkUrl: '/d/steps?var-step=${__step}' });
    const hrefs = screen.getAllByTestId('step-link').map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual([
      '/explore?step=Visitors',
      '/d/steps?var-step=Visitors',
      '/explore?step=Add to cart',
      '/d/steps?var-step=Add%20to%20cart',
    ]);
  });

  it('warns about benchmark entries it cannot read', () => {
    renderFunnel([funnelFrame([1000, 250])], { benchmarks: 'Add to cart: lots' });
    expect(screen.getByTestId('funnel-benchmark-warning').textContent).toContain('Add to cart: lots');
  });
});

/** jsdom reports inline colours as rgb(); theme colours are hex. */
function toCssRgb(hex: string): string {
  const el = document.createElement('div');
  el.style.background = hex;
  return el.style.background;
}
