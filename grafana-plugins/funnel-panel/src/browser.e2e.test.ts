/**
 * @jest-environment node
 */
import fs from 'fs';
import path from 'path';
import { Harness, VIEW_CASES, hueOf, openHarnessPage, parseRgb, startHarness } from '../../shared-config/test-utils/browser';

const root = path.join(__dirname, '..');
const shots = path.join(root, 'screenshots');

describe('funnel panel in headless Chromium', () => {
  let harness: Harness;

  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    harness = await startHarness(root, 'funnel', 'KPI funnel panel');
  });

  afterAll(async () => {
    await harness?.close();
  });

  it.each(VIEW_CASES)('renders the built module.js in the $theme theme at $width px', async ({ theme, width }) => {
    const { page, errors } = await openHarnessPage(harness, theme, width, 800);
    await page.waitForSelector('[data-testid="funnel"]');

    await page.screenshot({ path: path.join(shots, `funnel-${theme}-${width}.png`), fullPage: true });

    const report = await page.evaluate(() => {
      const first = document.querySelectorAll('[data-testid="funnel"]')[0];
      const steps = Array.from(first?.querySelectorAll('[data-testid="funnel-step"]') ?? []);
      const bottleneck = steps.find((s) => s.getAttribute('data-bottleneck') === 'true');
      const bar = bottleneck?.querySelector('[data-testid="funnel-bar"]');
      const normalBar = steps[0]?.querySelector('[data-testid="funnel-bar"]');
      return {
        steps: steps.map((s) => s.getAttribute('data-step')),
        ofFirst: Array.from(first?.querySelectorAll('[data-testid="step-of-first"]') ?? []).map((e) => e.textContent),
        bottleneck: bottleneck?.getAttribute('data-step') ?? null,
        label: first?.querySelector('[data-testid="bottleneck-label"]')?.textContent ?? null,
        bottleneckColor: bar ? getComputedStyle(bar).backgroundColor : '',
        normalColor: normalBar ? getComputedStyle(normalBar).backgroundColor : '',
        text: document.body.innerText,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    expect(report.steps).toEqual(['Visitors', 'Add to cart', 'Checkout', 'Order']);
    expect(report.ofFirst).toEqual(['100.0 %', '25.0 %', '10.0 %', '3.0 %']);
    expect(report.bottleneck).toBe('Order');
    expect(report.label).toBe(' · Bottleneck: 70 lost');
    const red = parseRgb(report.bottleneckColor);
    const hue = hueOf(red);
    expect(hue < 20 || hue > 330).toBe(true);
    expect(report.normalColor).not.toBe(report.bottleneckColor);
    expect(report.text).not.toMatch(/NaN|Infinity|undefined/);
    expect(report.text).toContain('▲ gain 20.0 % (+80)');
    // Nothing may force sideways scrolling, on a phone either.
    expect(report.overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
