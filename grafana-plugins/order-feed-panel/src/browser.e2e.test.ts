/**
 * @jest-environment node
 */
import fs from 'fs';
import path from 'path';
import { Harness, VIEW_CASES, hueOf, openHarnessPage, parseRgb, startHarness } from '../../shared-config/test-utils/browser';

const root = path.join(__dirname, '..');
const shots = path.join(root, 'screenshots');

describe('order feed panel in headless Chromium', () => {
  let harness: Harness;

  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    harness = await startHarness(root, 'orderfeed', 'KPI order feed panel');
  });

  afterAll(async () => {
    await harness?.close();
  });

  it.each(VIEW_CASES)('renders the built module.js in the $theme theme at $width px', async ({ theme, width }) => {
    const { page, errors } = await openHarnessPage(harness, theme, width, 900);
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
