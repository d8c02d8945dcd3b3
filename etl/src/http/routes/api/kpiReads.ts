/**
 * What each dashboard endpoint reads: only the role schemas (adm, mgr, pub), inside a read-only
 * transaction running as the role's database login (SET LOCAL ROLE), so PostgreSQL itself refuses
 * a manager a cost column and the public role anything but revenue — the same views and the same
 * SQL shapes the Grafana dashboards use, so the two never disagree.
 * Money stays a decimal string as PostgreSQL's numeric returns it; counts become numbers; rates
 * (fractions 0..1, or *_pct percent) become numbers.
 */
import type { Db, Queryable } from '../../../db/db';
import type { ApiRole } from '../../auth';

export const SCHEMA: Record<ApiRole, 'adm' | 'mgr' | 'pub'> = { admin: 'adm', manager: 'mgr', public: 'pub' };
const DB_ROLE: Record<ApiRole, string> = { admin: 'kpi_admin', manager: 'kpi_manager', public: 'kpi_public' };

type Row = Record<string, unknown>;

/** Runs fn as the role's database login in a read-only transaction. */
export async function readAs<T>(db: Db, role: ApiRole, fn: (q: Queryable, schema: string) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.exec(`SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = '15s'; SET LOCAL ROLE ${DB_ROLE[role]}`);
    return fn(tx, SCHEMA[role]);
  });
}

const int = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const rate = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const money = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const moneyOr0 = (v: unknown): string => (v === null || v === undefined ? '0.00' : String(v));

async function one(q: Queryable, sql: string, params: unknown[] = []): Promise<Row> {
  const r = await q.query<Row>(sql, params);
  return r.rows[0] ?? {};
}

export async function revenueToday(q: Queryable, S: string, at: Date): Promise<Row> {
  const r = await one(
    q,
    `SELECT at, day::text AS day, day_start, revenue, orders, aov, yesterday_revenue, yesterday_orders, avg7_revenue, avg7_orders,
            target_day, target_to_time, vs_yesterday_pct, vs_avg7_pct, vs_target_pct, target_attainment_rate
     FROM ${S}.revenue_comparison($1::timestamptz)`,
    [at.toISOString()],
  );
  return {
    at: new Date(r.at as string).toISOString(),
    day: r.day,
    day_start: new Date(r.day_start as string).toISOString(),
    revenue: moneyOr0(r.revenue),
    orders: int(r.orders),
    aov: money(r.aov),
    vs_yesterday: { revenue: moneyOr0(r.yesterday_revenue), orders: int(r.yesterday_orders), change_pct: rate(r.vs_yesterday_pct) },
    vs_avg7: { revenue: moneyOr0(r.avg7_revenue), orders: rate(r.avg7_orders), change_pct: rate(r.vs_avg7_pct) },
    vs_target: { target_day: money(r.target_day), target_to_time: money(r.target_to_time), change_pct: rate(r.vs_target_pct), attainment_rate: rate(r.target_attainment_rate) },
  };
}

export async function conversionFunnel(q: Queryable, S: string, from: Date, to: Date): Promise<Row> {
  const p = [from.toISOString(), to.toISOString()];
  const steps = await q.query<Row>(
    `SELECT step_no, step, visitors, step_rate, drop_off_pct, benchmark_drop_off_pct, excess_drop_off_pct, is_bottleneck
     FROM ${S}.funnel($1::timestamptz, $2::timestamptz) ORDER BY step_no`,
    p,
  );
  const c = await one(q, `SELECT * FROM ${S}.conversion_range($1::timestamptz, $2::timestamptz)`, p);
  const cart = await one(
    q,
    `SELECT round(1 - sum(carts_converted)::numeric / NULLIF(sum(carts_converted + carts_abandoned), 0), 4) AS cart_abandonment_rate,
            sum(carts_created) AS carts_created, sum(carts_abandoned) AS carts_abandoned, sum(carts_converted) AS carts_converted
     FROM ${S}.cart_abandonment_daily WHERE time >= $1::timestamptz AND time < $2::timestamptz`,
    p,
  );
  const list = steps.rows.map((s) => ({
    step_no: int(s.step_no),
    step: s.step,
    visitors: int(s.visitors),
    step_rate: rate(s.step_rate),
    drop_off_pct: rate(s.drop_off_pct),
    benchmark_drop_off_pct: rate(s.benchmark_drop_off_pct),
    excess_drop_off_pct: rate(s.excess_drop_off_pct),
    is_bottleneck: s.is_bottleneck === true,
  }));
  return {
    steps: list,
    bottleneck: list.find((s) => s.is_bottleneck)?.step ?? null,
    sessions: int(c.sessions),
    visitors: int(c.visitors),
    conversion_rate: rate(c.conversion_rate),
    add_to_cart_rate: rate(c.add_to_cart_rate),
    checkout_completion_rate: rate(c.checkout_completion_rate),
    cart_abandonment_rate: rate(cart.cart_abandonment_rate),
    carts: { created: int(cart.carts_created), abandoned: int(cart.carts_abandoned), converted: int(cart.carts_converted) },
  };
}

export async function topProducts(q: Queryable, S: string, role: ApiRole, from: Date, to: Date, limit: number, sort: 'revenue' | 'units'): Promise<Row> {
  const cost = role === 'admin' ? ', cogs, margin, margin_pct' : '';
  const order = sort === 'units' ? 'units DESC, revenue DESC, name' : 'revenue DESC, units DESC, name';
  const r = await q.query<Row>(
    `SELECT sku, name, tier, active, units, revenue, rank_by_revenue, rank_by_units, back_office_url${cost}
     FROM ${S}.product_performance($1::timestamptz, $2::timestamptz) ORDER BY ${order} LIMIT $3`,
    [from.toISOString(), to.toISOString(), limit],
  );
  return {
    sort,
    products: r.rows.map((p) => ({
      sku: p.sku,
      name: p.name,
      tier: p.tier,
      active: p.active === true,
      units: int(p.units),
      revenue: moneyOr0(p.revenue),
      rank_by_revenue: int(p.rank_by_revenue),
      rank_by_units: int(p.rank_by_units),
      back_office_url: p.back_office_url ?? null,
      ...(role === 'admin' ? { cogs: moneyOr0(p.cogs), margin: moneyOr0(p.margin), margin_pct: rate(p.margin_pct) } : {}),
    })),
  };
}

export async function customerInsights(q: Queryable, S: string, from: Date, to: Date, limit: number): Promise<Row> {
  const p = [from.toISOString(), to.toISOString()];
  const nr = await one(
    q,
    `SELECT sum(new_orders) AS new_orders, sum(returning_orders) AS returning_orders, sum(guest_orders) AS guest_orders,
            sum(new_customers) AS new_customers, sum(returning_customers) AS returning_customers,
            sum(new_revenue) AS new_revenue, sum(returning_revenue) AS returning_revenue
     FROM ${S}.new_vs_returning_daily WHERE time >= $1::timestamptz AND time < $2::timestamptz`,
    p,
  );
  const clv = await one(q, `SELECT customers, clv_historical, cohort_customers, clv_365d, target FROM ${S}.clv_at($1::timestamptz)`, [p[1]]);
  const rr = await one(q, `SELECT eligible_customers, repeat_customers, repeat_rate_90d, target FROM ${S}.repeat_rate_90d_at($1::timestamptz)`, [p[1]]);
  const gaps = await one(q, `SELECT gaps, customers, mean_days, median_days FROM ${S}.days_between_purchases`);
  const top = await q.query<Row>(`SELECT rank, customer_id, customer_name, orders, revenue FROM ${S}.top_customers($1::timestamptz, $2::timestamptz, $3)`, [...p, limit]);
  return {
    new_vs_returning: {
      new_orders: int(nr.new_orders),
      returning_orders: int(nr.returning_orders),
      guest_orders: int(nr.guest_orders),
      new_customers: int(nr.new_customers),
      returning_customers: int(nr.returning_customers),
      new_revenue: moneyOr0(nr.new_revenue),
      returning_revenue: moneyOr0(nr.returning_revenue),
    },
    clv: { as_of: p[1], customers: int(clv.customers), historical: money(clv.clv_historical), cohort_customers: int(clv.cohort_customers), clv_365d: money(clv.clv_365d), target: money(clv.target) },
    repeat_rate_90d: { as_of: p[1], eligible_customers: int(rr.eligible_customers), repeat_customers: int(rr.repeat_customers), rate: rate(rr.repeat_rate_90d), target: rate(rr.target) },
    days_between_purchases: { gaps: int(gaps.gaps), customers: int(gaps.customers), mean_days: rate(gaps.mean_days), median_days: rate(gaps.median_days) },
    top_customers: top.rows.map((c) => ({ rank: int(c.rank), customer_id: c.customer_id, customer_name: c.customer_name, orders: int(c.orders), revenue: moneyOr0(c.revenue) })),
  };
}

export async function campaignPerformance(q: Queryable, S: string, from: Date, to: Date): Promise<Row> {
  const p = [from.toISOString(), to.toISOString()];
  const inRange = 'time >= $1::timestamptz AND time < $2::timestamptz';
  const email = await q.query<Row>(
    `SELECT campaign_id, campaign_name, sum(delivered) AS delivered, sum(unique_opens) AS unique_opens, sum(unique_clicks) AS unique_clicks,
            round(sum(unique_opens)::numeric / NULLIF(sum(delivered), 0), 4) AS open_rate,
            round(sum(greatest(unique_opens - machine_opens, 0))::numeric / NULLIF(sum(delivered), 0), 4) AS open_rate_excl_machine,
            round(sum(unique_clicks)::numeric / NULLIF(sum(delivered), 0), 4) AS click_rate
     FROM ${S}.email_daily WHERE ${inRange}
     GROUP BY campaign_id, campaign_name ORDER BY delivered DESC, campaign_name`,
    p,
  );
  const social = await one(
    q,
    `SELECT sum(impressions) AS impressions, sum(engagements) AS engagements,
            round(sum(engagements)::numeric / NULLIF(sum(impressions), 0), 4) AS social_engagement_rate
     FROM ${S}.social_daily WHERE ${inRange}`,
    p,
  );
  const socialTraffic = await one(
    q,
    `SELECT sum(sessions) AS sessions, sum(purchase_sessions) AS conversions FROM ${S}.conversion_by_channel_daily WHERE ${inRange} AND channel = 'social'`,
    p,
  );
  const ads = await q.query<Row>(
    `SELECT campaign_id, campaign_name, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(purchases) AS purchases,
            sum(spend) AS spend, sum(purchase_value) AS purchase_value, round(sum(purchase_value) / NULLIF(sum(spend), 0), 2) AS roas
     FROM ${S}.ads_campaign_daily WHERE ${inRange}
     GROUP BY campaign_id, campaign_name ORDER BY spend DESC, campaign_name`,
    p,
  );
  const mkt = await one(q, `SELECT ad_spend, purchase_value, roas, revenue, mer FROM ${S}.marketing_range($1::timestamptz, $2::timestamptz)`, p);
  const ref = await one(
    q,
    `SELECT sum(referrals_sent) AS referrals_sent, sum(referrals_converted) AS referrals_converted,
            round(sum(referrals_converted)::numeric / NULLIF(sum(referrals_sent), 0), 4) AS referral_conversion_rate
     FROM ${S}.referrals_daily WHERE ${inRange}`,
    p,
  );
  return {
    email: email.rows.map((e) => ({
      campaign_id: e.campaign_id,
      campaign_name: e.campaign_name,
      delivered: int(e.delivered),
      unique_opens: int(e.unique_opens),
      unique_clicks: int(e.unique_clicks),
      open_rate: rate(e.open_rate),
      open_rate_excl_machine: rate(e.open_rate_excl_machine),
      click_rate: rate(e.click_rate),
    })),
    social: {
      impressions: int(social.impressions),
      engagements: int(social.engagements),
      engagement_rate: rate(social.social_engagement_rate),
      sessions: int(socialTraffic.sessions),
      conversions: int(socialTraffic.conversions),
    },
    ads: {
      spend: moneyOr0(mkt.ad_spend),
      purchase_value: moneyOr0(mkt.purchase_value),
      roas: rate(mkt.roas),
      revenue: moneyOr0(mkt.revenue),
      mer: rate(mkt.mer),
      campaigns: ads.rows.map((a) => ({
        campaign_id: a.campaign_id,
        campaign_name: a.campaign_name,
        impressions: int(a.impressions),
        clicks: int(a.clicks),
        purchases: int(a.purchases),
        spend: moneyOr0(a.spend),
        purchase_value: moneyOr0(a.purchase_value),
        roas: rate(a.roas),
      })),
    },
    referrals: { sent: int(ref.referrals_sent), converted: int(ref.referrals_converted), conversion_rate: rate(ref.referral_conversion_rate) },
  };
}

export async function liveOrders(q: Queryable, S: string, limit: number): Promise<Row> {
  const r = await q.query<Row>(
    `SELECT order_id, placed_at, customer_id, customer_name, items_summary, total, status, traffic_source, valid
     FROM ${S}.order_feed ORDER BY time DESC, order_id DESC LIMIT $1`,
    [limit],
  );
  return {
    orders: r.rows.map((o) => ({
      order_id: o.order_id,
      placed_at: new Date(o.placed_at as string).toISOString(),
      customer_id: o.customer_id ?? null,
      customer_name: o.customer_name ?? null,
      items_summary: o.items_summary ?? null,
      total: moneyOr0(o.total),
      status: o.status,
      traffic_source: o.traffic_source ?? null,
      valid: o.valid === true,
    })),
  };
}
