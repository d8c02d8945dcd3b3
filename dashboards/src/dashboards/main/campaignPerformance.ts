// Main dashboard, section "Campaign performance" (row 50).
import { colourCell, sql, stat, table, unitFor, type PanelSpec } from '../../panels';
import { CURRENCY_UNIT } from '../../config';
import type { MainContext } from './context';

export function campaignPerformance({ S, range, cat }: MainContext): PanelSpec[] {
  return [
    table({
      id: 51,
      title: 'Email campaigns',
      w: 12,
      h: 8,
      sortBy: { field: 'delivered', desc: true },
      queries: [
        sql(
          `
          SELECT campaign_name, sum(delivered) AS delivered,
                 round(sum(unique_opens)::numeric / NULLIF(sum(delivered), 0), 4) AS open_rate,
                 round(sum(greatest(unique_opens - machine_opens, 0))::numeric / NULLIF(sum(delivered), 0), 4) AS open_rate_excl_machine,
                 round(sum(unique_clicks)::numeric / NULLIF(sum(delivered), 0), 4) AS click_rate
          FROM ${S}.email_daily
          WHERE $__timeFilter(time)
          GROUP BY campaign_id, campaign_name
          ORDER BY delivered DESC, campaign_name`,
          ['campaign_name', 'delivered', 'open_rate', 'open_rate_excl_machine', 'click_rate'],
        ),
      ],
      overrides: [
        colourCell('open_rate', cat.thresholds('email_open_rate'), 'percentunit'),
        colourCell('open_rate_excl_machine', cat.thresholds('email_open_rate'), 'percentunit'),
        colourCell('click_rate', cat.thresholds('email_click_rate'), 'percentunit'),
      ],
    }),
    table({
      id: 52,
      title: 'Ads: delivery, spend and ROAS by campaign',
      w: 12,
      h: 8,
      sortBy: { field: 'spend', desc: true },
      queries: [
        sql(
          `
          SELECT campaign_name, sum(impressions) AS impressions, sum(clicks) AS clicks, sum(purchases) AS purchases,
                 sum(spend) AS spend, sum(purchase_value) AS purchase_value,
                 round(sum(purchase_value) / NULLIF(sum(spend), 0), 2) AS roas
          FROM ${S}.ads_campaign_daily
          WHERE $__timeFilter(time)
          GROUP BY campaign_id, campaign_name
          ORDER BY spend DESC, campaign_name`,
          ['campaign_name', 'impressions', 'clicks', 'purchases', 'spend', 'purchase_value', 'roas'],
        ),
      ],
      overrides: [unitFor('spend', CURRENCY_UNIT), unitFor('purchase_value', CURRENCY_UNIT), colourCell('roas', cat.thresholds('roas'), 'suffix:×')],
    }),
    stat({
      id: 53,
      title: 'ROAS (all ads)',
      w: 6,
      h: 5,
      unit: 'suffix:×',
      decimals: 2,
      thresholds: cat.thresholds('roas'),
      queries: [sql(`SELECT roas, mer, ad_spend FROM ${S}.marketing_range(${range})`, ['roas', 'mer', 'ad_spend'])],
      fields: '/^roas$/',
    }),
    stat({
      id: 54,
      title: 'Social engagement rate',
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('social_engagement_rate'),
      queries: [
        sql(
          `
          SELECT round(sum(engagements)::numeric / NULLIF(sum(impressions), 0), 4) AS social_engagement_rate,
                 sum(impressions) AS impressions, sum(engagements) AS engagements
          FROM ${S}.social_daily
          WHERE $__timeFilter(time)`,
          ['social_engagement_rate', 'impressions', 'engagements'],
        ),
      ],
      fields: '/^social_engagement_rate$/',
    }),
    stat({
      id: 55,
      title: 'Social traffic and conversions',
      w: 6,
      h: 5,
      unit: 'short',
      queries: [
        sql(
          `
          SELECT sum(sessions) AS sessions, sum(purchase_sessions) AS conversions
          FROM ${S}.conversion_by_channel_daily
          WHERE $__timeFilter(time) AND channel = 'social'`,
          ['sessions', 'conversions'],
        ),
      ],
    }),
    stat({
      id: 56,
      title: 'Referral conversion rate',
      w: 6,
      h: 5,
      unit: 'percentunit',
      decimals: 1,
      thresholds: cat.thresholds('referral_conversion_rate'),
      queries: [
        sql(
          `
          SELECT round(sum(referrals_converted)::numeric / NULLIF(sum(referrals_sent), 0), 4) AS referral_conversion_rate,
                 sum(referrals_sent) AS referrals_sent
          FROM ${S}.referrals_daily
          WHERE $__timeFilter(time)`,
          ['referral_conversion_rate', 'referrals_sent'],
        ),
      ],
      fields: '/^referral_conversion_rate$/',
    }),
  ];
}
