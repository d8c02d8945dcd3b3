/**
 * Grafana's webhook contact-point payload (the documented JSON body, version "1") and the one
 * SMS text made from it: a single GSM-7 segment (at most 160 characters, plain ASCII), firing
 * alerts first, then resolved ones.
 */
import { z } from 'zod';

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const grafanaWebhookSchema = z.object({
  receiver: z.string().optional(),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().optional(),
  alerts: z.array(alertSchema).min(1),
  groupKey: z.string().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  version: z.string().optional(),
});

export type GrafanaWebhook = z.infer<typeof grafanaWebhookSchema>;
type Alert = GrafanaWebhook['alerts'][number];

export const SMS_MAX = 160;

/**
 * Keeps the text inside GSM-7's basic set so 160 characters stay one segment: accents are
 * dropped, the extension characters (which cost two) and anything non-ASCII are replaced.
 */
export function toGsmSafe(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[×]/g, 'x')
    .replace(/[[{]/g, '(')
    .replace(/[\]}]/g, ')')
    .replace(/[\\|^~`]/g, '/')
    .replace(/[^\x20-\x7e\n]/g, '?');
}

function describe(a: Alert): string {
  const s = a.annotations.summary?.trim();
  if (s) return s;
  const name = a.labels.alertname ?? 'alert';
  return a.labels.target ? `${name} ${a.labels.target}` : name;
}

const hhmm = (iso: string | undefined): string | null => {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 2000 ? null : `${d.toISOString().slice(11, 16)} UTC`;
};

export function smsText(p: GrafanaWebhook): string {
  const firing = p.alerts.filter((a) => a.status === 'firing');
  const resolved = p.alerts.filter((a) => a.status === 'resolved');
  const parts: string[] = [];
  if (firing.length) {
    const since = hhmm(firing.map((a) => a.startsAt ?? '').filter(Boolean).sort()[0]);
    parts.push(`ALERT${since ? ` since ${since}` : ''}: ${firing.map(describe).join('; ')}`);
  }
  if (resolved.length) parts.push(`RESOLVED: ${resolved.map(describe).join('; ')}`);
  const text = toGsmSafe(parts.join(' | ')).replace(/\s+/g, ' ').trim();
  return text.length <= SMS_MAX ? text : `${text.slice(0, SMS_MAX - 3).trimEnd()}...`;
}
