import Redis from 'ioredis';
import { LocalJobLock, RedisJobLock } from '../../src/jobs/lock';
import { Scheduler } from '../../src/jobs/scheduler';
import { logger } from '../../src/log/logger';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `kpi:test:${process.pid}:`;

describe('job locks on a real Redis', () => {
  const clients: Redis[] = [];
  const client = () => {
    const r = new Redis(REDIS_URL);
    clients.push(r);
    return r;
  };
  afterAll(async () => {
    const keys = await clients[0]?.keys(`${prefix}*`);
    if (keys?.length) await clients[0]?.del(...keys);
    clients.forEach((c) => c.disconnect());
  });

  it('lets only one of two daemons run a job, and frees the lock afterwards', async () => {
    const a = new RedisJobLock(client(), prefix);
    const b = new RedisJobLock(client(), prefix);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = a.withLock('sync', 5000, async () => {
      await gate;
      return 'a';
    });
    // Until a really holds it (a fixed pause loses the race on a busy machine).
    while ((await clients[0]?.exists(`${prefix}sync`)) !== 1) await new Promise((r) => setTimeout(r, 10));
    expect(await b.withLock('sync', 5000, async () => 'b')).toEqual({ ran: false });
    release();
    expect(await first).toEqual({ ran: true, value: 'a' });
    expect(await b.withLock('sync', 5000, async () => 'b')).toEqual({ ran: true, value: 'b' });
    expect(await clients[0]?.exists(`${prefix}sync`)).toBe(0);
  });

  it('never deletes a lock that expired and was taken by someone else', async () => {
    const redis = client();
    const a = new RedisJobLock(redis, prefix);
    await a.withLock('short', 3000, async () => {
      // Simulate expiry + takeover while a still runs.
      await redis.set(`${prefix}short`, 'other-owner');
    });
    expect(await redis.get(`${prefix}short`)).toBe('other-owner');
  });
});

describe('scheduler', () => {
  it('stop() waits for the run in flight to finish', async () => {
    const s = new Scheduler(new LocalJobLock(), logger);
    const events: string[] = [];
    const job = {
      name: 'batch',
      cron: '0 0 1 1 *',
      ttlMs: 1000,
      run: async () => {
        events.push('start');
        await new Promise((r) => setTimeout(r, 200));
        events.push('end');
      },
    };
    s.add(job);
    void s.trigger(job);
    await new Promise((r) => setTimeout(r, 20));
    await s.stop();
    events.push('stopped');
    expect(events).toEqual(['start', 'end', 'stopped']);
  });

  it('rejects an invalid cron expression with the job name', () => {
    const s = new Scheduler(new LocalJobLock(), logger);
    expect(() => s.add({ name: 'oops', cron: 'every minute', ttlMs: 1, run: async () => undefined })).toThrow('job oops: invalid cron expression "every minute"');
  });
});
