/**
 * Response cache of the KPI API: Redis when it answers, an in-process map otherwise, with the same
 * semantics — a TTL per entry, early invalidation by store day, one recomputation per key at a
 * time. Values are the serialized JSON bodies, kept and read as bytes (Buffer), so a hit is sent
 * without re-serializing or re-encoding.
 *
 * Invalidation: every entry is indexed under the local days its value depends on (or under
 * "all" when it depends on the whole history); `invalidateDays` drops the entries of those days.
 * A global generation counter makes a computation that started before an invalidation discard
 * its result instead of storing a value that is already stale.
 *
 * In front of Redis, each process keeps a first-level copy of the bodies it has read (see
 * `LocalEntries`): a hit then costs a map look-up instead of a Redis round trip. An L1 copy expires
 * when its Redis entry does (its remaining PTTL is read with the value); early invalidation reaches
 * every replica's L1 through a Redis pub/sub message that the invalidation script publishes
 * atomically with the deletion; and L1 is only trusted while this process's subscription is live
 * — on a lost connection it is emptied and bypassed (Redis down → answered from the database, as
 * without L1) until the subscription is back, so a missed message can never leave a stale copy.
 */
import type Redis from 'ioredis';
import { recordCacheError } from './metrics';

export interface CacheSpec {
  /** Normalised key (role, endpoint, parameters, database identity); the store adds its prefix. */
  key: string;
  ttlS: number;
  /** Local days (YYYY-MM-DD) the value depends on, or 'all'; a function is called only when the value is stored. */
  days: string[] | 'all' | (() => string[]);
}

export interface CacheOutcome {
  /** The body as stored (UTF-8 bytes), what a response sends. */
  body: Buffer;
  /** The body as text, decoded on first use (the hot path sends `body` and never decodes). */
  readonly value: string;
  hit: boolean;
}

function outcome(body: Buffer, hit: boolean): CacheOutcome {
  let text: string | undefined;
  return {
    body,
    hit,
    get value(): string {
      return (text ??= body.toString('utf8'));
    },
  };
}

export interface KpiCache {
  readonly kind: 'redis' | 'memory';
  getOrCompute(spec: CacheSpec, compute: () => Promise<string>): Promise<CacheOutcome>;
  /** Drops every entry that depends on one of these local days (and every 'all' entry). */
  invalidateDays(days: string[]): Promise<number>;
  close(): Promise<void>;
}

const ALL = 'all';

function daysOfSpec(spec: CacheSpec): string[] {
  if (spec.days === 'all') return [ALL];
  return typeof spec.days === 'function' ? spec.days() : spec.days;
}

/** Same-process callers of one key share one computation. */
class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
    const existing = this.inflight.get(key);
    if (existing) return { promise: existing, leader: false };
    const promise = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return { promise, leader: true };
  }
}

/**
 * Bodies kept in this process until an instant, indexed by the days they depend on: the whole
 * in-process cache, and the first level in front of Redis. `generation` moves on every
 * invalidation, so a value computed (or read from Redis) before one is not kept. Bounded: at the
 * bound expired entries are swept, and if it is still full of live ones it starts over rather
 * than grow (a bound, not an eviction policy).
 */
class LocalEntries {
  private readonly entries = new Map<string, { out: CacheOutcome; expiresAt: number }>();
  private readonly byDay = new Map<string, Set<string>>();
  generation = 0;

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): CacheOutcome | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt > now) return e.out;
    this.entries.delete(key);
    return undefined;
  }

  /** The instant a kept key expires (undefined when absent). */
  expiresAt(key: string): number | undefined {
    return this.entries.get(key)?.expiresAt;
  }

  set(key: string, body: Buffer, expiresAt: number, days: string[], now: number): void {
    if (this.entries.size >= this.maxEntries) {
      for (const [k, v] of this.entries) if (v.expiresAt <= now) this.entries.delete(k);
      if (this.entries.size >= this.maxEntries) this.clear();
    }
    // Stored as a hit outcome: a hit returns it as is, allocating nothing.
    this.entries.set(key, { out: outcome(body, true), expiresAt });
    for (const d of days) {
      let s = this.byDay.get(d);
      if (!s) this.byDay.set(d, (s = new Set()));
      s.add(key);
    }
  }

  /** Drops the entries of these days and every 'all' entry; returns how many. */
  invalidate(days: string[]): number {
    this.generation++;
    let dropped = 0;
    for (const d of [...days, ALL]) {
      const keys = this.byDay.get(d);
      if (!keys) continue;
      for (const k of keys) if (this.entries.delete(k)) dropped++;
      this.byDay.delete(d);
    }
    return dropped;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.byDay.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export class MemoryKpiCache implements KpiCache {
  readonly kind = 'memory' as const;
  private readonly local = new LocalEntries(10_000);
  private readonly flight = new SingleFlight<Buffer>();

  constructor(private readonly clock: () => number = Date.now) {}

  async getOrCompute(spec: CacheSpec, compute: () => Promise<string>): Promise<CacheOutcome> {
    const hit = this.local.get(spec.key, this.clock());
    if (hit !== undefined) return hit;
    const { promise } = this.flight.run(spec.key, async () => {
      const gen = this.local.generation;
      const body = Buffer.from(await compute(), 'utf8');
      if (gen === this.local.generation) {
        const now = this.clock();
        this.local.set(spec.key, body, now + spec.ttlS * 1000, daysOfSpec(spec), now);
      }
      return body;
    });
    return outcome(await promise, false);
  }

  /** Remaining TTL in seconds of a stored key (null when absent), for tests and diagnostics. */
  ttl(key: string): number | null {
    const at = this.local.expiresAt(key);
    return at === undefined ? null : Math.max(0, Math.round((at - this.clock()) / 1000));
  }

  async invalidateDays(days: string[]): Promise<number> {
    return this.local.invalidate(days);
  }

  async close(): Promise<void> {
    this.local.clear();
  }
}

// Stores a computed value only if no invalidation happened since the computation started, and
// indexes it under its days. KEYS: value key, generation key, day sets...; ARGV: value, ttl,
// generation seen, key name, index ttl.
const STORE = `
local gen = redis.call('get', KEYS[2]) or '0'
if gen ~= ARGV[3] then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 3, #KEYS do
  redis.call('sadd', KEYS[i], ARGV[4])
  redis.call('expire', KEYS[i], ARGV[5])
end
return 1`;

// Drops the entries indexed under the given day sets and tells every replica's first-level cache,
// in the same atomic step (a replica can never read the deleted value after the message).
// KEYS: generation key, day sets...; ARGV: value-key prefix, channel, message (the days, JSON).
const INVALIDATE = `
redis.call('incr', KEYS[1])
local n = 0
for i = 2, #KEYS do
  local members = redis.call('smembers', KEYS[i])
  for _, m in ipairs(members) do n = n + redis.call('del', ARGV[1] .. m) end
  redis.call('del', KEYS[i])
end
redis.call('publish', ARGV[2], ARGV[3])
return n`;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface RedisCacheOptions {
  /** Namespace of every key (tests use a unique one per run). */
  prefix?: string;
  /** How long a computation may hold a key's lock before another process takes over. */
  lockMs?: number;
  /** How long a caller waits for another process's computation before computing itself. */
  waitMs?: number;
  /** Entries of the process-local first level (0 = no first level: every look-up asks Redis). */
  l1MaxEntries?: number;
}

export class RedisKpiCache implements KpiCache {
  readonly kind = 'redis' as const;
  readonly prefix: string;
  private readonly lockMs: number;
  private readonly waitMs: number;
  /** One Redis read-or-compute per key at a time in this process. */
  private readonly flight = new SingleFlight<{ body: Buffer; hit: boolean }>();
  private readonly token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  /** Longest TTL seen, so the day indexes outlive every entry they point at. */
  private maxTtlS = 3600;
  private readonly l1: LocalEntries | null;
  /** The invalidation channel's connection (a subscriber connection serves nothing else). */
  private readonly sub: Redis | null;
  /** True while the subscription is confirmed: only then may L1 answer. */
  private l1Live = false;
  private closed = false;

  constructor(private readonly redis: Redis, opts: RedisCacheOptions = {}) {
    this.prefix = opts.prefix ?? 'kpi:api:';
    this.lockMs = opts.lockMs ?? 15_000;
    this.waitMs = opts.waitMs ?? 10_000;
    const max = opts.l1MaxEntries ?? 10_000;
    this.l1 = max > 0 ? new LocalEntries(max) : null;
    this.sub = this.l1 ? this.subscribe() : null;
  }

  get channel(): string {
    return `${this.prefix}invalidate`;
  }

  /** Entries held in this process's first level (diagnostics and tests). */
  get l1Size(): number {
    return this.l1?.size ?? 0;
  }

  /** Whether the first level may currently answer (its subscription is live). */
  get l1Active(): boolean {
    return this.l1Live && this.redis.status === 'ready';
  }

  private subscribe(): Redis {
    // Its own connection, re-subscribed by hand on every (re)connect so `l1Live` says exactly when
    // messages can arrive; a dropped connection empties L1 (messages may have been missed).
    const sub = this.redis.duplicate({ lazyConnect: true, autoResubscribe: false, enableOfflineQueue: true, commandTimeout: undefined });
    const down = () => {
      this.l1Live = false;
      this.l1?.clear();
    };
    sub.on('error', () => undefined);
    sub.on('close', down);
    sub.on('end', down);
    sub.on('ready', () => {
      if (this.closed) return;
      sub.subscribe(this.channel).then(
        () => {
          this.l1?.clear();
          this.l1Live = !this.closed;
        },
        () => down(),
      );
    });
    sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
      let days: string[];
      try {
        days = JSON.parse(message.toString('utf8')) as string[];
      } catch {
        days = [];
        this.l1?.clear();
      }
      this.l1?.invalidate(days);
    });
    sub.connect().catch(() => undefined);
    return sub;
  }

  valueKey(key: string): string {
    return `${this.prefix}v:${key}`;
  }

  private dayKey(day: string): string {
    return `${this.prefix}d:${day}`;
  }

  private get genKey(): string {
    return `${this.prefix}gen`;
  }

  async getOrCompute(spec: CacheSpec, compute: () => Promise<string>): Promise<CacheOutcome> {
    const l1 = this.l1;
    if (l1 !== null && this.l1Live && this.redis.status === 'ready') {
      const hit = l1.get(spec.key, Date.now());
      if (hit !== undefined) return hit;
    }
    const { promise } = this.flight.run(spec.key, () => this.readOrCompute(spec, compute));
    const r = await promise;
    return outcome(r.body, r.hit);
  }

  /** Redis read (value and remaining TTL), else one computation across processes. */
  private async readOrCompute(spec: CacheSpec, compute: () => Promise<string>): Promise<{ body: Buffer; hit: boolean }> {
    const gen = this.l1?.generation ?? 0;
    let cached: Buffer | null;
    let pttl: number;
    try {
      // Two commands, one round trip (auto-pipelining).
      [cached, pttl] = await Promise.all([this.redis.getBuffer(this.valueKey(spec.key)), this.l1 ? this.redis.pttl(this.valueKey(spec.key)) : Promise.resolve(-1)]);
    } catch {
      // Redis down: answer from the database, still one computation per key in this process.
      recordCacheError('get');
      return { body: Buffer.from(await compute(), 'utf8'), hit: false };
    }
    if (cached !== null) {
      this.keep(spec, cached, pttl, gen);
      return { body: cached, hit: true };
    }
    return { body: await this.computeOnce(spec, compute), hit: false };
  }

  /** Copies a value into L1 for the rest of its Redis lifetime, unless an invalidation came meanwhile. */
  private keep(spec: CacheSpec, body: Buffer, pttlMs: number, gen: number): void {
    if (!this.l1 || pttlMs <= 0 || gen !== this.l1.generation || !this.l1Live) return;
    const now = Date.now();
    this.l1.set(spec.key, body, now + pttlMs, daysOfSpec(spec), now);
  }

  /** One computation per key across processes: the lock holder computes, the others wait for its value. */
  private async computeOnce(spec: CacheSpec, compute: () => Promise<string>): Promise<Buffer> {
    const lockKey = `${this.prefix}lock:${spec.key}`;
    const lockToken = `${this.token}:${Math.random().toString(36).slice(2)}`;
    let locked = false;
    let gen = '0';
    const l1Gen = this.l1?.generation ?? 0;
    try {
      locked = (await this.redis.set(lockKey, lockToken, 'PX', this.lockMs, 'NX')) === 'OK';
      if (!locked) {
        const waited = await this.waitForValue(spec.key);
        if (waited !== null) return waited;
      }
      gen = (await this.redis.get(this.genKey)) ?? '0';
    } catch {
      recordCacheError('lock');
      return Buffer.from(await compute(), 'utf8');
    }
    try {
      const value = Buffer.from(await compute(), 'utf8');
      this.maxTtlS = Math.max(this.maxTtlS, spec.ttlS);
      const days = daysOfSpec(spec);
      const stored = await this.redis
        .eval(STORE, 2 + days.length, this.valueKey(spec.key), this.genKey, ...days.map((d) => this.dayKey(d)), value, String(spec.ttlS), gen, spec.key, String(this.maxTtlS + 60))
        .catch(() => {
          recordCacheError('set');
          return 0;
        });
      // Kept locally only what Redis kept (same TTL), and only if no invalidation was heard of since.
      if (Number(stored) === 1) this.keep(spec, value, spec.ttlS * 1000, l1Gen);
      return value;
    } finally {
      if (locked) await this.redis.eval(RELEASE, 1, lockKey, lockToken).catch(() => recordCacheError('unlock'));
    }
  }

  private async waitForValue(key: string): Promise<Buffer | null> {
    const deadline = Date.now() + this.waitMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const v = await this.redis.getBuffer(this.valueKey(key));
      if (v !== null) return v;
      // The holder finished without storing (invalidated meanwhile, or it failed): compute here.
      if ((await this.redis.exists(`${this.prefix}lock:${key}`)) === 0) return null;
    }
    return null;
  }

  async invalidateDays(days: string[]): Promise<number> {
    const all = [...new Set([...days, ALL])];
    // This process at once; the others when the script's message reaches them.
    this.l1?.invalidate(all);
    const sets = all.map((d) => this.dayKey(d));
    try {
      return Number(await this.redis.eval(INVALIDATE, 1 + sets.length, this.genKey, ...sets, `${this.prefix}v:`, this.channel, JSON.stringify(all)));
    } catch {
      recordCacheError('invalidate');
      return 0;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.l1Live = false;
    this.l1?.clear();
    this.sub?.disconnect();
    this.redis.disconnect();
  }
}
