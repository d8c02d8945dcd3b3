// Every KPI the catalog gives a deviation threshold is read by exactly one deviation rule per
// org, labelled with its id, and every KPI with an `alert` block is named by a notification rule.
import { loadCatalog } from '@kpi/etl/contract';
import { ruleGroups } from '../src/alerting/files';
import { KpiCatalog, loadCatalog as loadDashboardCatalog } from '../src/catalog';

const cat = new KpiCatalog(loadDashboardCatalog());
const rules = (role: 'admin' | 'manager') => ruleGroups(role, cat).flatMap((g) => g.rules);
/** The notification rule each `alert` block configures (rules.ts builds one per KPI). */
const NOTIFY_RULE: Record<string, string> = { revenue: 'revenue_behind', orders: 'big_order', cart_abandonment_rate: 'abandonment_spike' };

describe.each(loadCatalog().filter((k) => k.deviation_threshold != null).map((k) => [k.id, k] as const))('KPI %s', (id, k) => {
  it.each(['admin', 'manager'] as const)('has one %s deviation rule reading it, when the role sees it', (role) => {
    const mine = rules(role).filter((r) => r.labels.alert === 'kpi_deviation' && r.labels.kpi === id);
    const sees = k.roles.includes(role === 'admin' ? 'kpi_admin' : 'kpi_manager');
    expect(mine).toHaveLength(sees ? 1 : 0);
  });
});

describe.each(loadCatalog().filter((k) => k.alert != null).map((k) => [k.id] as const))('KPI %s with an alert block', (id) => {
  it('has its notification rule', () => {
    const name = NOTIFY_RULE[id];
    expect(name).toBeDefined();
    expect(rules('admin').filter((r) => r.labels.alert === name)).toHaveLength(1);
  });
});
