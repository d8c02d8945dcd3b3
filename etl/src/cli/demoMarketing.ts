/**
 * `npm run demo:marketing`: starts the local GA4, SendGrid and Meta servers (and a store
 * database on the local PostgreSQL when one answers), syncs each source once into a fresh
 * in-memory database through the official clients, and prints what the dashboard would show.
 * With --serve the servers keep running and the variables to point the daemon at them are
 * printed (Ctrl-C stops them and drops the demo store database).
 */
import { loadConfig } from '../config/config';
import { openEmbedded } from '../db/embedded';
import { migrate } from '../db/migrate';
import { startMarketingSources } from '../jobs/syncMarketing';
import { loadBatch } from '../load/loader';
import { logger } from '../log/logger';
import { KPI_ORDERS } from '../sources/customdb/storeFixture';
import { startDemoServers } from '../sources/demoServers';

async function main(): Promise<void> {
  const serve = process.argv.includes('--serve');
  const timeZone = process.env.STORE_TIMEZONE ?? 'America/New_York';
  const servers = await startDemoServers({ timeZone, pgAdminUrl: process.env.DEMO_PG_ADMIN_URL });
  const db = await openEmbedded();
  try {
    await migrate(db, { timeZone });
    // The orders the store database's checks refer to, as the commerce source would load them.
    await loadBatch(db, { source: 'square', stream: 'orders' }, { orders: KPI_ORDERS });
    // A year back, so the store database's older rows are read too.
    const config = loadConfig({ STORE_TIMEZONE: timeZone, BACKFILL_DAYS: '365', ...servers.env });
    const sources = await startMarketingSources(config, db, logger);
    await sources.runOnce();
    await sources.close();
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const one = async (sql: string, params: unknown[] = []) => (await db.query<Record<string, unknown>>(sql, params)).rows[0] ?? {};
    const conv = await one('SELECT visitors, sessions FROM mgr.conversion_range($1, $2)', [from, to]);
    const summed = await one(`SELECT sum(users) AS users FROM traffic_daily WHERE day >= (now() AT TIME ZONE $1)::date - 30`, [timeZone]);
    const ads = await one('SELECT ad_spend, purchase_value, roas FROM mgr.marketing_range($1, $2)', [from, to]);
    const mail = await db.query<Record<string, unknown>>(`SELECT campaign_name, delivered, open_rate, click_rate FROM mgr.email_campaigns WHERE campaign_id LIKE 'sendgrid:singlesend:%' ORDER BY 1`);
    const ops = await one('SELECT verification_completion_rate, time_to_verification_hours, support_response_hours FROM mgr.operations_range($1, $2)', [new Date('2026-03-01T00:00:00Z'), to]);
    const runs = await db.query<Record<string, unknown>>(`SELECT source, stream, status, rows_upserted, pages, api_calls FROM etl_runs ORDER BY id`);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(`sources on: ${sources.enabled.join(', ')}${servers.storeDb ? '' : ' (no PostgreSQL reachable: store database source off)'}`);
    for (const r of runs.rows) out(`  ${String(r.source)}/${String(r.stream)}: ${String(r.status)}, ${String(r.rows_upserted)} rows, ${String(r.pages)} pages, ${String(r.api_calls)} calls`);
    out(`GA4 visitors, last 30 days: ${String(conv.visitors)} (GA4's range figure; the sum of daily users would say ${String(summed.users)}), sessions ${String(conv.sessions)}`);
    out(`Meta ads, last 30 days: spend ${String(ads.ad_spend)}, attributed purchase value ${String(ads.purchase_value)}, ROAS ${String(ads.roas)}`);
    for (const m of mail.rows) out(`SendGrid ${String(m.campaign_name)}: delivered ${String(m.delivered)}, open rate ${String(m.open_rate)}, click rate ${String(m.click_rate)}`);
    if (servers.storeDb) out(`store DB: verification completion ${String(ops.verification_completion_rate)}, time to verification ${String(ops.time_to_verification_hours)} h, support first reply ${String(ops.support_response_hours)} h`);
    if (serve) {
      out('\nlocal servers running; point the daemon at them with:');
      for (const [k, v] of Object.entries(servers.env)) out(`  export ${k}=${JSON.stringify(v)}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    await db.close();
    await servers.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
