/**
 * How late a 100 ms main-thread timer fires while a client runs a long query on the embedded
 * database's socket (the database lives in its own process, as the daemon runs it). Prints the figures; with --json, one
 * JSON line for tests.
 *
 *   npm run bench:responsiveness -w etl -- --seconds 5
 */
import { Client } from 'pg';
import { openEmbeddedChild } from '../src/db/embeddedChild';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 5) || 5;
  const json = args.includes('--json');
  const db = await openEmbeddedChild();
  try {
    const { url } = await db.serve(0);
    const client = new Client({ connectionString: url });
    await client.connect();
    const lateness: number[] = [];
    let expected = Date.now() + 100;
    const timer = setInterval(() => {
      lateness.push(Date.now() - expected);
      expected = Date.now() + 100;
    }, 100);
    const t0 = Date.now();
    await client.query(`SELECT pg_sleep(${seconds})`);
    const queryMs = Date.now() - t0;
    clearInterval(timer);
    await client.end();
    const sorted = [...lateness].sort((a, b) => a - b);
    const result = {
      queryMs,
      ticks: lateness.length,
      worstLateMs: sorted[sorted.length - 1] ?? 0,
      p50LateMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    };
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`socket query ${queryMs} ms; ${result.ticks} ticks of a 100 ms timer; late by p50 ${result.p50LateMs} ms, worst ${result.worstLateMs} ms\n`);
  } finally {
    await db.shutdown(5_000);
  }
}

void main();
