/**
 * GA4 report rows to traffic rows. GA4 sends every value as a string; a row whose values do not
 * read as the documented types is a malformed page (RecordShapeError names the field).
 */
import type { protos } from '@google-analytics/data';
import type { Row } from '../../schema/tables';
import { RecordShapeError } from '../runtime/errors';
import { countOf, decimalToCents } from '../wire/decimal';
import { GA4 } from './client';

type ReportResponse = protos.google.analytics.data.v1beta.IRunReportResponse;

export const DAILY_DIMENSIONS = ['date', 'sessionDefaultChannelGroup', 'sessionSourceMedium', 'deviceCategory'] as const;
export const DAILY_METRICS = ['sessions', 'totalUsers', 'newUsers', 'addToCarts', 'checkouts', 'ecommercePurchases', 'purchaseRevenue'] as const;

/** One GA4 row with the report-level flags it came with. */
export interface Ga4DailyRecord {
  values: Record<(typeof DAILY_DIMENSIONS)[number] | (typeof DAILY_METRICS)[number], string>;
  timeZone: string;
  sampled: boolean;
  thresholded: boolean;
}

/** GA4's default channel groups onto the store's six traffic sources. */
export function channelOf(group: string): string {
  const g = group.toLowerCase();
  if (g === 'email') return 'email';
  if (g.startsWith('paid') || g === 'display' || g === 'cross-network' || g === 'audio') return 'paid';
  if (g === 'organic social') return 'social';
  if (g.startsWith('organic')) return 'organic';
  if (g === 'referral' || g === 'affiliates') return 'referral';
  return 'direct';
}

export function reportFlags(r: ReportResponse): { sampled: boolean; thresholded: boolean } {
  return { sampled: (r.metadata?.samplingMetadatas?.length ?? 0) > 0, thresholded: r.metadata?.subjectToThresholding === true };
}

/** Rows of a report as name → string value, checked against the headers it declares. */
export function readRows(r: ReportResponse, dims: readonly string[], metrics: readonly string[]): Record<string, string>[] {
  const dh = (r.dimensionHeaders ?? []).map((h) => h.name);
  const mh = (r.metricHeaders ?? []).map((h) => h.name);
  if (dims.some((d, i) => dh[i] !== d)) throw new RecordShapeError(`dimensionHeaders ${JSON.stringify(dh)} do not match the request ${JSON.stringify(dims)}`);
  if (metrics.some((m, i) => mh[i] !== m)) throw new RecordShapeError(`metricHeaders ${JSON.stringify(mh)} do not match the request ${JSON.stringify(metrics)}`);
  if (r.rows !== undefined && r.rows !== null && !Array.isArray(r.rows)) throw new RecordShapeError('rows is not an array');
  return (r.rows ?? []).map((row, i) => {
    const out: Record<string, string> = {};
    dims.forEach((d, j) => {
      const v = row.dimensionValues?.[j]?.value;
      if (typeof v !== 'string') throw new RecordShapeError(`row ${i}: dimension ${d} has no value`);
      out[d] = v;
    });
    metrics.forEach((m, j) => {
      const v = row.metricValues?.[j]?.value;
      if (typeof v !== 'string') throw new RecordShapeError(`row ${i}: metric ${m} has no value`);
      out[m] = v;
    });
    return out;
  });
}

export function dayOf(yyyymmdd: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
  if (!m) throw new RecordShapeError(`date: expected YYYYMMDD, got ${JSON.stringify(yyyymmdd)}`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

export function trafficRow(r: Ga4DailyRecord): Row {
  const v = r.values;
  const day = dayOf(v.date);
  const device = v.deviceCategory.toLowerCase();
  return {
    day,
    channel: channelOf(v.sessionDefaultChannelGroup),
    channel_group: v.sessionDefaultChannelGroup,
    source_medium: v.sessionSourceMedium,
    // GA4's device categories (desktop, mobile, tablet, and rarely smart tv) as GA4 names them.
    device,
    sessions: countOf(v.sessions, 'sessions'),
    users: countOf(v.totalUsers, 'totalUsers'),
    new_users: countOf(v.newUsers, 'newUsers'),
    add_to_cart_sessions: countOf(v.addToCarts, 'addToCarts'),
    checkout_sessions: countOf(v.checkouts, 'checkouts'),
    purchase_sessions: countOf(v.ecommercePurchases, 'ecommercePurchases'),
    purchase_revenue_cents: decimalToCents(v.purchaseRevenue, 'purchaseRevenue'),
    sampled: r.sampled,
    thresholded: r.thresholded,
    source: GA4,
    source_id: [day, v.sessionDefaultChannelGroup, v.sessionSourceMedium, device].join('|'),
  };
}
