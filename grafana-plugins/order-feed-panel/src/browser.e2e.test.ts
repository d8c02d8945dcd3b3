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

describe('order feed panel in headless Chromium', () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    assertChromiumInstalled();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-orderfeed-harness-'));
    await bundleHarness(path.join(__dirname, 'e2e', 'harness.tsx'), work);
    fs.writeFileSync(path.join(work, 'index.html'), harnessHtml('KPI order feed panel'));
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
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/?theme=${theme}`);
    await page
      .waitForSelector('body[data-harness-ready="true"], #harness-error', { timeout: 20000 })
      .catch((e: Error) => {
        throw new Error(`harness did not start: ${errors.join('; ')} (${e.message})`);
      });
    expect(await page.locator('#harness-error').count()).toBe(0);
    await page.waitForSelector('[data-testid="order-feed"]');

    const rows = page.locator('[data-testid="order-row"]');
    expect(await rows.count()).toBe(20);
    expect(await page.getAttribute('[data-testid="order-feed"]', 'data-layout')).toBe(width < 500 ? 'compact' : 'table');
    await page.screenshot({ path: path.join(shots, `orderfeed-${theme}-${width}.png`) });

    const colours = await page.evaluate(() => {
      const pick = (status: string) => {
        const dot = document.querySelector(`[data-testid="order-row"][data-status="${status}"] [data-testid="status-dot"]`);
        return dot ? getComputedStyle(dot).backgroundColor : '';
      };
      return { completed: pick('completed'), pending: pick('pending_verification'), refunded: pick('refunded') };
    });
    const hues = {
      completed: hueOf(parseRgb(colours.completed)),
      pending: hueOf(parseRgb(colours.pending)),
      refunded: hueOf(parseRgb(colours.refunded)),
    };
    expect(new Set(Object.values(colours)).size).toBe(3);
    expect(hues.completed).toBeGreaterThan(80);
    expect(hues.completed).toBeLessThan(170);
    expect(hues.pending).toBeGreaterThan(25);
    expect(hues.pending).toBeLessThan(65);
    expect(hues.refunded < 20 || hues.refunded > 320).toBe(true);
    expect(await page.locator('[data-testid="large-order-badge"]').count()).toBeGreaterThan(0);

    // A live order arrives and a pending one completes: one new row on top, the other updated in place.
    const pendingId = await page.evaluate(() => {
      const pending = Array.from(document.querySelectorAll('[data-testid="order-row"][data-status="pending_verification"]'));
      return pending[0]?.getAttribute('data-order-id') ?? null;
    });
    await page.evaluate(() => {
      window.harnessPush?.('new');
      window.harnessPush?.('complete-pending');
    });
    await page.waitForSelector('[data-testid="order-row"][data-order-id="1026"]');
    const first = rows.first();
    expect(await first.getAttribute('data-order-id')).toBe('1026');
    expect(await first.getAttribute('data-highlight')).toBe('new');
    expect(await first.locator('[data-testid="large-order-badge"]').count()).toBe(1);
    expect(await page.getAttribute(`[data-testid="order-row"][data-order-id="${pendingId}"]`, 'data-status')).toBe('completed');
    expect(await rows.count()).toBe(20);
    const animation = await first.evaluate((el) => getComputedStyle(el).animationName);
    expect(animation).not.toBe('none');
    await page.waitForTimeout(450);
    await page.screenshot({ path: path.join(shots, `orderfeed-${theme}-${width}-live.png`) });

    const text = await page.evaluate(() => document.body.innerText);
    expect(text).not.toMatch(/NaN|Infinity|undefined/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
