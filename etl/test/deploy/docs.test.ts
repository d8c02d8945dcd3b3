/**
 * docs/ kept true to the code: every relative link and anchor resolves; docs/api.md is the
 * rendering of the HTTP server's OpenAPI document, endpoint for endpoint; every message quoted in
 * the troubleshooting page is still printed by the daemon; the jobs page lists every scheduled job
 * with its default schedule; every role view the docs name exists for that role.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, loadConfig } from '../../src/config/config';
import { exposedTo } from '../../src/contract/exposure';
import { openApiDocument } from '../../src/docs/openapi';
import { renderApiMarkdown } from '../../src/docs/apiMarkdown';
import { predictiveClvJob } from '../../src/kpi/predictive/job';
import { cronEvery } from '../../src/probes/uptime';
import { SQUARE } from '../../src/sources/square/mapping';
import { LIGHTSPEED } from '../../src/sources/lightspeed/client';
import { GA4 } from '../../src/sources/ga4/client';
import { SENDGRID } from '../../src/sources/sendgrid/client';
import { META } from '../../src/sources/meta/client';
import { CUSTOM } from '../../src/sources/customdb/client';
import { logger } from '../../src/log/logger';
import { read, ROOT } from './stack';

const DOCS = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
const PAGES = [...DOCS, 'README.md'];

/** The text outside fenced code blocks, where links are links. */
const prose = (md: string): string => md.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's heading anchors: inline markup dropped, lower case, punctuation removed, spaces to "-". */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (m[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, (c) => (c === '_' ? '_' : ''));
    const base = text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function sourceText(dir: string): string {
  let text = '';
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) text += sourceText(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) text += `${readFileSync(p, 'utf8')}\n`;
  }
  return text;
}

describe('links in docs/*.md and README.md', () => {
  it('all resolve, anchors included', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of PAGES) {
      const md = read(page);
      // Inline code is not a link: `[x](y)` inside backticks is left alone.
      const text = prose(md).replace(/`[^`\n]*`/g, '');
      for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/i.test(target)) continue;
        checked++;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const abs = file ? path.resolve(path.dirname(path.join(ROOT, page)), decodeURIComponent(file)) : path.join(ROOT, page);
        if (!existsSync(abs)) {
          broken.push(`${page}: ${target} (no such file)`);
          continue;
        }
        if (anchor && statSync(abs).isFile() && abs.endsWith('.md') && !anchors(readFileSync(abs, 'utf8')).has(anchor)) broken.push(`${page}: ${target} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('the anchor rule matches GitHub on the headings used here', () => {
    expect(anchors('## Configuration (environment)\n### `circuit breaker`\n## Roles and schemas\n## A\n## A')).toEqual(
      new Set(['configuration-environment', 'circuit-breaker', 'roles-and-schemas', 'a', 'a-1']),
    );
  });

  it('the README links every guide in docs/', () => {
    const readme = read('README.md');
    for (const page of DOCS) expect([page, readme.includes(`](${page})`)]).toEqual([page, true]);
  });
});

describe('docs/api.md', () => {
  let doc: Awaited<ReturnType<typeof openApiDocument>>;
  beforeAll(async () => {
    doc = await openApiDocument();
  });

  it('is the current rendering of the OpenAPI document (npm run docs:api -w etl)', () => {
    expect(read('docs/api.md')).toBe(renderApiMarkdown(doc));
  });

  it('documents exactly the endpoints of the OpenAPI document', () => {
    const inDoc = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const md = read('docs/api.md');
    const headings = [...md.matchAll(/^### (GET|POST|PUT|PATCH|DELETE) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const rows = [...md.matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(headings).toEqual(inDoc);
    expect(rows).toEqual(inDoc);
    expect(inDoc).toContain('GET /api/v1/dashboard/revenue-today');
    expect(inDoc.length).toBe(6);
  });
});

describe('docs/troubleshooting.md', () => {
  it('quotes only messages the daemon still prints', () => {
    const src = sourceText(path.join(ROOT, 'etl/src'));
    const headings = [...read('docs/troubleshooting.md').matchAll(/^### `(.+)`/gm)].map((m) => m[1] as string);
    expect(headings.length).toBeGreaterThanOrEqual(30);
    const missing: string[] = [];
    for (const h of headings) {
      // "…" stands for the interpolated part; each literal piece must be in the source.
      const pieces = h.split('…').map((p) => p.trim()).filter((p) => p.length >= 6);
      expect([h, pieces.length > 0]).toEqual([h, true]);
      for (const p of pieces) if (!src.includes(p)) missing.push(`${h}: "${p}"`);
    }
    expect(missing).toEqual([]);
  });
});

describe('docs/jobs.md', () => {
  const table = new Map(
    [...read('docs/jobs.md').matchAll(/^\| `([\w-]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1] as string, m[2] as string]),
  );

  it('lists every scheduled job with its default schedule', () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    const expected = new Map<string, string>();
    // Jobs declared in app.ts: name and cron side by side, the cron a config key or a literal.
    for (const m of read('etl/src/app.ts').matchAll(/name: '([\w-]+)',\s*cron: (config\.(\w+)|'([^']+)')/g)) {
      expected.set(m[1] as string, m[3] ? String(defaults[m[3]]) : (m[4] as string));
    }
    expect([...expected.keys()]).toEqual(expect.arrayContaining(['sync-simulator-live', 'refresh-aggregates', 'housekeeping']));
    // One sync job per source, each with its *_SYNC_CRON.
    const sources = CONFIG_KEYS.filter((k) => k.endsWith('_SYNC_CRON'));
    for (const k of sources) expected.set(`sync-${k.replace(/_SYNC_CRON$/, '').replace(/_/g, '').toLowerCase()}`, String(defaults[k]));
    expect(new Set(sources.map((k) => `sync-${k.replace(/_SYNC_CRON$/, '').replace(/_/g, '').toLowerCase()}`))).toEqual(new Set([SQUARE, LIGHTSPEED, GA4, SENDGRID, META, CUSTOM].map((s) => `sync-${s}`)));
    const clv = predictiveClvJob(null as never, logger);
    expected.set(clv.name, clv.cron);
    const catalog = JSON.parse(read('kpi/catalog.json')) as { uptime: { probe_every_seconds: number } };
    expected.set('uptime-probes', cronEvery(catalog.uptime.probe_every_seconds));
    expect(Object.fromEntries(table)).toEqual(Object.fromEntries(expected));
  });

  it('covers every place that schedules a job', () => {
    const src = path.join(ROOT, 'etl/src');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && /scheduler\.add\(/.test(readFileSync(p, 'utf8'))) files.push(path.relative(src, p));
      }
    };
    walk(src);
    // app.ts (simulator, refresh, housekeeping, predictive fit), the probes, the two source starters.
    expect(files.sort()).toEqual(['app.ts', 'jobs/syncMarketing.ts', 'probes/uptime.ts', 'sources/runtime/startSources.ts']);
  });
});

describe('role views named in the docs', () => {
  it('exist for the role whose schema names them', () => {
    const names = { adm: exposedTo('admin'), mgr: exposedTo('manager'), pub: exposedTo('public') };
    const unknown: string[] = [];
    let seen = 0;
    for (const page of DOCS) {
      for (const m of read(page).matchAll(/\b(adm|mgr|pub)\.([a-z_]+)/g)) {
        seen++;
        const list = names[m[1] as keyof typeof names];
        if (!list.some((o) => o.name === m[2])) unknown.push(`${page}: ${m[0]}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(seen).toBeGreaterThan(20);
  });
});
