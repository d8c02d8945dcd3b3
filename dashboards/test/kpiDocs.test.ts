import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from '@kpi/etl/contract';
import { buildDashboards, REPO_ROOT } from '../src/all';
import { catalogObject, filesCreating, panelsQuerying } from '../src/kpiDocs';

const docs = readFileSync(path.join(REPO_ROOT, 'docs/kpis.md'), 'utf8');
const dashboards = buildDashboards();

describe.each(loadCatalog().map((k) => [k.id, k] as const))('KPI %s', (id, k) => {
  it('has its definition in docs/kpis.md', () => {
    const section = docs.split(/^### /m).find((s) => s.startsWith(`\`${id}\`:`));
    expect(section).toBeDefined();
    expect(section).toContain(k.definition);
    expect(section).toContain(k.view);
  });

  it('is created by exactly one file under sql/views', () => {
    expect(filesCreating(REPO_ROOT, catalogObject(k.view))).toHaveLength(1);
  });

  it('is shown by at least one dashboard panel, listed in the docs', () => {
    const panels = panelsQuerying(dashboards, catalogObject(k.view));
    expect(panels.length).toBeGreaterThan(0);
    const section = docs.split(/^### /m).find((s) => s.startsWith(`\`${id}\`:`)) ?? '';
    for (const p of panels) expect(section).toContain(p.panel);
  });
});

it('no document points at a file outside the repository', () => {
  for (const rel of ['README.md', 'sql/README.md', 'kpi/catalog.json', 'docs/kpis.md', 'docs/kpi-spec.md', 'dashboards/README.md']) {
    const text = readFileSync(path.join(REPO_ROOT, rel), 'utf8');
    expect({ rel, outside: text.match(/\/work\/|\.\.\/shared|KPI-SPEC\.md/g) }).toEqual({ rel, outside: null });
  }
});
