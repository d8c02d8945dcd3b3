/**
 * Meta insights rows to ad rows. Graph sends numbers as strings and purchases as entries of
 * `actions` (counts) and `action_values` (money); a row that does not read that way is a
 * malformed page, with the field named.
 */
import type { Batch } from '../../schema/tables';
import { RecordShapeError } from '../runtime/errors';
import { countOf, decimalToCents } from '../wire/decimal';
import { META } from './client';

export const INSIGHT_FIELDS = [
  'campaign_id', 'campaign_name', 'spend', 'impressions', 'reach', 'clicks', 'actions', 'action_values', 'attribution_setting',
] as const;

export type InsightRow = Record<string, unknown>;

/**
 * Graph reports the same purchases under several action types; the first one present is used,
 * omni_purchase (all surfaces together) first, so no purchase is counted twice.
 */
export const PURCHASE_ACTIONS = ['omni_purchase', 'purchase', 'offsite_conversion.fb_pixel_purchase'];

function actionValue(list: unknown, types: string[], field: string, read: (v: unknown, f: string) => number): number {
  if (list === undefined || list === null) return 0;
  if (!Array.isArray(list)) throw new RecordShapeError(`${field}: expected an array`);
  for (const t of types) {
    const hit = (list as { action_type?: unknown; value?: unknown }[]).find((a) => a.action_type === t);
    if (hit) return read(hit.value, `${field}[${t}]`);
  }
  return 0;
}

const day = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new RecordShapeError(`${field}: expected YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return v;
};

export const campaignKey = (id: string) => `meta:${id}`;

export function insightBatch(r: InsightRow): Batch {
  if (typeof r.campaign_id !== 'string' || r.campaign_id === '') throw new RecordShapeError('campaign_id is missing');
  const d = day(r.date_start, 'date_start');
  if (r.date_stop !== undefined && r.date_stop !== d) throw new RecordShapeError(`date_stop ${JSON.stringify(r.date_stop)} differs from date_start ${d} (time_increment=1 expected)`);
  const id = campaignKey(r.campaign_id);
  return {
    campaigns: [{ campaign_id: id, name: typeof r.campaign_name === 'string' ? r.campaign_name : r.campaign_id, channel: 'paid', platform: 'meta', kind: 'marketing', source: META, source_id: r.campaign_id }],
    ad_insights: [{
      campaign_id: id,
      day: d,
      spend_cents: decimalToCents(r.spend ?? '0', 'spend'),
      impressions: countOf(r.impressions ?? '0', 'impressions'),
      reach: countOf(r.reach ?? '0', 'reach'),
      clicks: countOf(r.clicks ?? '0', 'clicks'),
      engagements: actionValue(r.actions, ['post_engagement'], 'actions', countOf),
      purchases: actionValue(r.actions, PURCHASE_ACTIONS, 'actions', countOf),
      purchase_value_cents: actionValue(r.action_values, PURCHASE_ACTIONS, 'action_values', decimalToCents),
      attribution_setting: typeof r.attribution_setting === 'string' ? r.attribution_setting : null,
      source: META,
      source_id: `${r.campaign_id}|${d}`,
    }],
  };
}
