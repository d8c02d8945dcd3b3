// Runs every target on two databases at the same moment and reports the targets whose results
// differ, row by row and value by value (text output, so exact). Rows of a statement without an
// ORDER BY are compared as sorted lists: their order is the planner's, not the KPI's.
import type { RunResult, Runner } from './runners';
import type { SqlTarget } from './targets';

export interface Difference {
  label: string;
  detail: string;
}

const hasOrderBy = (sql: string) => /\border\s+by\b/i.test(sql);
const key = (row: Array<string | null>) => JSON.stringify(row);

function firstDifference(a: RunResult, b: RunResult, ordered: boolean): string | null {
  if (key(a.fields) !== key(b.fields)) return `columns ${a.fields.join(',')} vs ${b.fields.join(',')}`;
  const ra = ordered ? a.rows.map(key) : a.rows.map(key).sort();
  const rb = ordered ? b.rows.map(key) : b.rows.map(key).sort();
  if (ra.length !== rb.length) return `${ra.length} rows vs ${rb.length} rows`;
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return `row ${i + 1}: ${ra[i]} vs ${rb[i]}`;
  return null;
}

export async function compareTargets(a: Runner, b: Runner, targets: SqlTarget[]): Promise<{ same: number; differences: Difference[] }> {
  const differences: Difference[] = [];
  let same = 0;
  for (const t of targets) {
    const [ra, rb] = await Promise.allSettled([a.run(t.role, t.statement), b.run(t.role, t.statement)]);
    if (ra.status === 'rejected' || rb.status === 'rejected') {
      const why = (r: PromiseSettledResult<RunResult>) => (r.status === 'rejected' ? `error: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}` : `${r.value.rows.length} rows`);
      differences.push({ label: t.label, detail: `${why(ra)} vs ${why(rb)}` });
      continue;
    }
    const d = firstDifference(ra.value, rb.value, hasOrderBy(t.statement));
    if (d) differences.push({ label: t.label, detail: d });
    else same += 1;
  }
  return { same, differences };
}
