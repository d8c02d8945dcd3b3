/**
 * @jest-environment node
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  Browser,
  StaticServer,
  assertChromiumInstalled,
  bundleHarness,
  harnessHtml,
  hueOf,
  launchChromium,
  parseRgb,
  serveFiles,
} from '../../shared-config/test-utils/browser';

const root = path.join(__dirname, '..');
const shots = path.join(root, 'screenshots');

describe('funnel panel in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    assertChromiumInstalled();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-funnel-harness-'));
    await bundleHarness(path.join(__dirname, 'e2e', 'harness.tsx'), work);
    fs.writeFileSync(path.join(work, 'index.html'), harnessHtml('KPI funnel panel'));
    fs.mkdirSync(shots, { recursive: true });
    server = await serveFiles({
      '/': path.join(work, 'index.html'),
      '/harness.js': path.join(work, 'harness.js'),
      '/harness.css': path.join(work, 'harness.css'),
      '/module.js': path.join(root, 'dist', 'module.js'),
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const cases = [
    { theme: 'light', width: 1280 },
    { theme: 'dark', width: 1280 },
    { theme: 'light', width: 390 },
    { theme: 'dark', width: 390 },
  ];

  it.each(cases)('renders the built module.js in the $theme theme at $width px', async ({ theme, width }) => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') {
        errors.push(m.text());
      }
    });
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${server.url}/?theme=${theme}`);
    await page
      .waitForSelector('body[data-harness-ready="true"], #harness-error', { timeout: 20000 })
      .catch((e: Error) => {
        throw new Error(`harness did not start: ${errors.join('; ')} (${e.message})`);
      });
    expect(await page.locator('#harness-error').count()).toBe(0);
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
