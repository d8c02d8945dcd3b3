// Where alerts go: contact points (email, Slack, the ETL's SMS relay as a webhook), the
// notification policy tree, message templates and time intervals. Secrets and addresses are
// ${VAR} references that Grafana fills from its environment when it reads the files; nothing
// secret is written here. Templates use .Labels/.Annotations (no "$"), so Grafana's
// environment-variable interpolation of provisioning files cannot touch them.
import type { KpiCatalog } from '../catalog';
import { STORE_TIMEZONE } from '../config';
import type { ContactPoint, MuteTime, Policy, Route, Template } from './model';
import { BIG_ORDER_WINDOW_SECONDS } from './rules';

export const CONTACT = { email: 'kpi-email', slack: 'kpi-slack', sms: 'kpi-sms' } as const;
export const INTERVAL = { evening: 'store-evening', always: 'always' } as const;

/** Environment variables the provisioning files read (documented in the README). */
export const ALERT_ENV = ['ALERT_EMAIL_TO', 'SLACK_WEBHOOK_URL', 'SMS_RELAY_URL', 'SMS_RELAY_SECRET'] as const;

export function contactPoints(orgId: number): ContactPoint[] {
  return [
    {
      orgId,
      name: CONTACT.email,
      receivers: [
        {
          uid: 'kpi-email',
          type: 'email',
          settings: {
            addresses: '${ALERT_EMAIL_TO}',
            singleEmail: true,
            subject: '{{ template "kpi.email.subject" . }}',
            message: '{{ template "kpi.email.message" . }}',
          },
          disableResolveMessage: false,
        },
      ],
    },
    {
      orgId,
      name: CONTACT.slack,
      receivers: [
        {
          uid: 'kpi-slack',
          type: 'slack',
          settings: {
            url: '${SLACK_WEBHOOK_URL}',
            title: '{{ template "kpi.slack.title" . }}',
            text: '{{ template "kpi.slack.text" . }}',
          },
          // One message per order: the order leaving the window is no news.
          disableResolveMessage: true,
        },
      ],
    },
    {
      orgId,
      name: CONTACT.sms,
      receivers: [
        {
          uid: 'kpi-sms',
          type: 'webhook',
          settings: {
            url: '${SMS_RELAY_URL}',
            httpMethod: 'POST',
            authorization_scheme: 'Bearer',
            authorization_credentials: '${SMS_RELAY_SECRET}',
            maxAlerts: 10,
          },
          // "Site back up" is worth a text too.
          disableResolveMessage: false,
        },
      ],
    },
  ];
}

export function templates(orgId: number): Template[] {
  return [
    {
      orgId,
      name: 'kpi-messages',
      template: [
        '{{ define "kpi.email.subject" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}',
        '{{ define "kpi.email.message" }}{{ range .Alerts }}{{ .Status | toUpper }}: {{ .Annotations.summary }}',
        '{{ .Annotations.description }}',
        '{{ end }}{{ end }}',
        '{{ define "kpi.slack.title" }}{{ range .Alerts.Firing }}Big order {{ .Labels.order_id }}{{ end }}{{ end }}',
        '{{ define "kpi.slack.text" }}{{ range .Alerts.Firing }}{{ .Annotations.summary }}',
        '<{{ .Annotations.order_url }}|Open order {{ .Labels.order_id }} in the back office>',
        '{{ end }}{{ end }}',
      ].join('\n'),
    },
  ];
}

export function muteTimes(orgId: number, cat: KpiCatalog): MuteTime[] {
  const from = String(cat.get('revenue').alert?.from_local_time ?? '17:00');
  return [
    // Revenue-behind notifications only from the alert's local time to midnight, store time.
    { orgId, name: INTERVAL.evening, time_intervals: [{ times: [{ start_time: from, end_time: '24:00' }], location: STORE_TIMEZONE }] },
    // Dashboard-only alerts: every day of the week, i.e. always muted (they still show in the
    // alert list panel and as annotations, which is where they belong).
    { orgId, name: INTERVAL.always, time_intervals: [{ weekdays: ['monday:sunday'] }] },
  ];
}

const hours = (s: number): string => `${Math.ceil(s / 3600)}h`;

/** The policy tree of the Admin org. */
export function policies(orgId: number, cat: KpiCatalog): Policy[] {
  const channel = (c: unknown): string => CONTACT[(c as keyof typeof CONTACT) ?? 'email'] ?? CONTACT.email;
  const routes: Route[] = [
    { receiver: CONTACT.email, object_matchers: [['notify', '=', 'dashboard']], mute_time_intervals: [INTERVAL.always] },
    {
      receiver: channel(cat.get('orders').alert?.channel),
      object_matchers: [['alert', '=', 'big_order']],
      group_by: ['order_id'],
      group_wait: '0s',
      // Longer than the rule's window: an order never gets a second message.
      group_interval: hours(BIG_ORDER_WINDOW_SECONDS),
      repeat_interval: '24h',
    },
    {
      receiver: channel(cat.get('revenue').alert?.channel),
      object_matchers: [['alert', '=', 'revenue_behind']],
      group_by: ['alertname'],
      active_time_intervals: [INTERVAL.evening],
      // Once a day: the alert resolves at local midnight (muted, outside the interval).
      repeat_interval: '24h',
    },
    {
      receiver: channel(cat.uptime.channel),
      object_matchers: [['alert', '=', 'site_down']],
      group_by: ['alertname'],
      group_wait: '0s',
      group_interval: '5m',
      repeat_interval: '1h',
    },
    {
      receiver: channel(cat.get('cart_abandonment_rate').alert?.channel),
      object_matchers: [['alert', '=', 'abandonment_spike']],
      group_by: ['alertname'],
      repeat_interval: '24h',
    },
  ];
  return [{ orgId, receiver: CONTACT.email, group_by: ['grafana_folder', 'alertname'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h', routes }];
}

/** The Managers org: its rules are all dashboard-only, so everything is muted. */
export function managerPolicy(): Route {
  return {
    receiver: 'grafana-default-email',
    group_by: ['grafana_folder', 'alertname'],
    routes: [{ receiver: 'grafana-default-email', object_matchers: [['notify', '=', 'dashboard']], mute_time_intervals: [INTERVAL.always] }],
  };
}
