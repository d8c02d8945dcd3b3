// The store owner's morning dashboard (admin) and its manager variant: the same sections, with
// every cost column and cost-derived panel left out and only the manager role's views read.
// One module per section (row) under main/.
import type { KpiCatalog } from '../catalog';
import { DashboardBuilder, type BuiltDashboard } from '../builder';
import { ORG_ID, SCHEMA } from '../config';
import { dashLinks, tierVariable, topNVariable } from './common';
import { campaignPerformance } from './main/campaignPerformance';
import { cohortsSegments } from './main/cohortsSegments';
import type { MainContext } from './main/context';
import { conversionFunnel } from './main/conversionFunnel';
import { customerInsights } from './main/customerInsights';
import { conversionWindowVariable, funnelTiming } from './main/funnelTiming';
import { liveActivity } from './main/liveActivity';
import { operations } from './main/operations';
import { revenueOverview } from './main/revenueOverview';
import { stockOuts } from './main/stockOuts';
import { topProducts } from './main/topProducts';

export { FUNNEL_LABELS } from './main/conversionFunnel';
export { liveFeed } from './main/liveActivity';

export function mainUid(role: 'admin' | 'manager'): string {
  return `kpi-main-${role}`;
}

export function mainDashboard(role: 'admin' | 'manager', cat: KpiCatalog): BuiltDashboard {
  const admin = role === 'admin';
  const ctx: MainContext = { role, S: SCHEMA[role], admin, range: '$__timeFrom(), $__timeTo()', cat };
  const b = new DashboardBuilder({
    uid: mainUid(role),
    title: admin ? 'Store KPIs' : 'Store KPIs (managers)',
    role,
    file: `${role}/main.json`,
    orgId: ORG_ID[role],
    tags: ['kpi', role],
    description: 'Revenue, conversion, products, customers, campaigns, live orders and operations. Targets and colours come from kpi/catalog.json.',
    variables: [tierVariable(), topNVariable(), conversionWindowVariable()],
    links: dashLinks([
      { title: 'Abandoned-cart recovery', uid: `kpi-recovery-${role}` },
      { title: 'Phone summary', uid: `kpi-mobile-${role}` },
    ]),
  });

  b.row(1, 'Revenue overview').add(...revenueOverview(ctx));
  b.row(20, 'Conversion funnel').add(...conversionFunnel(ctx));
  b.row(30, 'Top products').add(...topProducts(ctx));
  b.row(40, 'Customer insights').add(...customerInsights(ctx));
  b.row(50, 'Campaign performance').add(...campaignPerformance(ctx));
  b.row(60, 'Live activity').add(...liveActivity(ctx));
  b.row(70, 'Operations').add(...operations(ctx));
  b.row(80, 'Cohorts and segments').add(...cohortsSegments(ctx));
  b.row(90, 'Funnel timing and email conversions').add(...funnelTiming(ctx));
  b.row(95, 'Stock-outs').add(...stockOuts(ctx));

  return b.build();
}
