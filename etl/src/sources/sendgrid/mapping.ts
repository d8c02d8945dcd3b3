/**
 * SendGrid stats to email rows. Global and category stats come from the Stats API, Single Send
 * stats (per A/B variation) from the Marketing Campaigns Stats API; both send whole counts per
 * day. SendGrid marks no machine opens (Apple Mail Privacy Protection) in these endpoints, so
 * machine_opens stays 0 for its rows.
 */
import type { Batch, Row } from '../../schema/tables';
import { RecordShapeError } from '../runtime/errors';
import { countOf } from '../wire/decimal';
import { SENDGRID } from './client';

export type Scope = 'global' | 'category' | 'campaign';

export interface StatRecord {
  scope: Scope;
  day: string;
  metrics: unknown;
  /** Category name, or Single Send id. */
  ref?: string;
  name?: string;
  variation?: string;
  sendAt?: string | null;
  /** Whether this record may move the stream's cursor (only the last group of a walk does). */
  moves: boolean;
  /** Written at the end of a walk over groups: no stats, only how far the walk has read. */
  marker?: true;
}

export function campaignIdOf(r: Pick<StatRecord, 'scope' | 'ref' | 'variation'>): string {
  if (r.scope === 'global') return 'sendgrid:global';
  if (r.scope === 'category') return `sendgrid:category:${String(r.ref)}`;
  return r.variation && r.variation !== 'all' ? `sendgrid:singlesend:${String(r.ref)}:${r.variation}` : `sendgrid:singlesend:${String(r.ref)}`;
}

function emailStats(m: unknown, campaignId: string, day: string, scope: Scope): Row {
  if (typeof m !== 'object' || m === null) throw new RecordShapeError(`${campaignId} ${day}: metrics missing`);
  const v = m as Record<string, unknown>;
  const n = (f: string) => countOf(v[f] ?? 0, `metrics.${f}`);
  return {
    campaign_id: campaignId, day, scope,
    sent: n('requests'), delivered: n('delivered'), unique_opens: n('unique_opens'), machine_opens: 0, unique_clicks: n('unique_clicks'),
    bounces: n('bounces'), unsubscribes: n('unsubscribes'), spam_reports: n('spam_reports'),
    source: SENDGRID, source_id: `${campaignId}|${day}`,
  };
}

export function statBatch(r: StatRecord): Batch {
  if (r.marker) return {};
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.day)) throw new RecordShapeError(`date: expected YYYY-MM-DD, got ${JSON.stringify(r.day)}`);
  const id = campaignIdOf(r);
  const name = r.scope === 'global' ? 'All email (SendGrid)' : r.scope === 'category' ? `Category: ${String(r.ref)}` : String(r.name ?? r.ref);
  const variant = r.scope === 'campaign' && r.variation && r.variation !== 'all' ? r.variation : null;
  return {
    campaigns: [{
      campaign_id: id, name: variant ? `${name} (variation ${variant.slice(0, 8)})` : name, channel: 'email', platform: 'sendgrid', kind: 'marketing',
      variant, started_at: r.sendAt ?? null, source: SENDGRID, source_id: id,
    }],
    email_stats: [emailStats(r.metrics, id, r.day, r.scope)],
  };
}
