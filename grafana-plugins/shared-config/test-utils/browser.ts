import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import type { AddressInfo } from 'net';
import { build } from 'esbuild';
import { BrowserContext, Page, chromium } from 'playwright-core';

/** Debian's chromium package; Playwright cannot download its own browser on these machines. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function assertChromiumInstalled(): void {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Headless Chromium not found at ${CHROMIUM_PATH}. The browser checks of the panel plugins need it: ` +
        'install it with `apt-get update && apt-get install -y chromium` (Debian), or set CHROMIUM_PATH.'
    );
  }
}

/**
 * Bundles a harness entry for the browser. The harness carries React, @grafana/* and the other
 * modules Grafana shares with plugins, and loads the plugin's built dist/module.js through AMD.
 */
export async function bundleHarness(entry: string, outdir: string): Promise<void> {
  await build({
    entryPoints: { harness: entry },
    outdir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome110',
    jsx: 'automatic',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    // Fonts and images of editors the panels never open (Monaco) only need to resolve.
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.gif': 'dataurl', '.ttf': 'empty', '.woff': 'empty', '.woff2': 'empty', '.eot': 'empty' },
  });
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves files by URL path from 127.0.0.1 on a random free port. */
export async function serveFiles(routes: Record<string, string>): Promise<StaticServer> {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.svg': 'image/svg+xml',
    '.map': 'application/json',
  };
  const server = http.createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = routes[urlPath];
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  assertChromiumInstalled();
  // A fresh profile each run: nothing cached or remembered from an earlier run can leak in.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kpi-panels-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function harnessHtml(title: string): string {
  return `<!doctype html>
<html>
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />
    <title>${title}</title>
    <link rel="stylesheet" href="/harness.css" onerror="this.remove()" />
    <style>html, body { margin: 0; padding: 0; } body { font-family: Inter, Helvetica, Arial, sans-serif; }</style>
  </head>
  <body>
    <div id="root"></div>
    <script src="/harness.js"></script>
  </body>
</html>
`;
}

/** Parses "rgb(r, g, b)" / "rgba(r, g, b, a)" as Chromium reports computed colours. */
export function parseRgb(color: string): { r: number; g: number; b: number } {
  const match = /rgba?\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)/.exec(color);
  if (!match) {
    throw new Error(`not an rgb() colour: ${color}`);
  }
  return { r: Number(match[1]), g: Number(match[2]), b: Number(match[3]) };
}

/** Hue in degrees 0..360 of an rgb colour; red ≈ 0/360, yellow ≈ 60, green ≈ 120. */
export function hueOf({ r, g, b }: { r: number; g: number; b: number }): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  if (d === 0) {
    return 0;
  }
  let h: number;
  if (max === r) {
    h = ((g - b) / d) % 6;
  } else if (max === g) {
    h = (b - r) / d + 2;
  } else {
    h = (r - g) / d + 4;
  }
  return (h * 60 + 360) % 360;
}

/** Every theme × width the browser checks cover: desktop and phone, light and dark. */
export const VIEW_CASES = [
  { theme: 'light', width: 1280 },
  { theme: 'dark', width: 1280 },
  { theme: 'light', width: 390 },
  { theme: 'dark', width: 390 },
];

export interface Harness {
  server: StaticServer;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Bundles a plugin's harness page, serves it with the plugin's built dist/module.js and
 * launches Chromium: the part every panel's browser check shares.
 */
export async function startHarness(pluginRoot: string, name: string, title: string): Promise<Harness> {
  assertChromiumInstalled();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `kpi-${name}-harness-`));
  await bundleHarness(path.join(pluginRoot, 'src', 'e2e', 'harness.tsx'), work);
  fs.writeFileSync(path.join(work, 'index.html'), harnessHtml(title));
  const server = await serveFiles({
    '/': path.join(work, 'index.html'),
    '/harness.js': path.join(work, 'harness.js'),
    '/harness.css': path.join(work, 'harness.css'),
    '/module.js': path.join(pluginRoot, 'dist', 'module.js'),
  });
  const browser = await launchChromium();
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Opens the harness in a theme and width and waits until it says it is ready, or fails with the
 * page's errors; `errors` keeps collecting so a test can assert the page stayed clean.
 */
export async function openHarnessPage(h: Harness, theme: string, width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await h.browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') {
      errors.push(m.text());
    }
  });
  await page.setViewportSize({ width, height });
  await page.goto(`${h.server.url}/?theme=${theme}`);
  await page.waitForSelector('body[data-harness-ready="true"], #harness-error', { timeout: 20000 }).catch((e: Error) => {
    throw new Error(`harness did not start: ${errors.join('; ')} (${e.message})`);
  });
  if ((await page.locator('#harness-error').count()) > 0) {
    throw new Error(`harness failed: ${await page.locator('#harness-error').innerText()}`);
  }
  return { page, errors };
}
