/**
 * Time ranges of the KPI API. `timeframe` is one of 1d, 7d, 30d, 90d (the N × 24 h before now)
 * or mtd (from local midnight of the 1st of the current month in the store zone to now); or an
 * explicit `from`/`to`: ISO 8601 instants with an offset, or dates (a `from` date is that day's
 * local midnight; a `to` date includes that whole local day). Ranges are half-open [from, to).
 */
import { addDays, daysBetween, localDay } from '../../../util/time';

export const TIMEFRAMES = ['1d', '7d', '30d', '90d', 'mtd'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export const MAX_RANGE_DAYS = 400;
const DAY_MS = 86_400_000;

export interface RangeQuery {
  timeframe?: Timeframe;
  from?: string;
  to?: string;
}

export interface ResolvedRange {
  from: Date;
  to: Date;
  /** Cache-key form: the timeframe name when relative (stable during a TTL), else the instants. */
  key: string;
  /** The relative timeframe, null for an explicit from/to. */
  timeframe: Timeframe | null;
  /** The range ends before today's local midnight: its figures no longer change by the clock. */
  historical: boolean;
  /** Local days the range touches (computed only when a value is stored, not on every hit). */
  days: () => string[];
}

/** Raised for a bad parameter; the error handler turns it into a 400 naming it. */
export class ParamError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    offsetFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

const midnights = new Map<string, number>();

/** The instant of local midnight starting a YYYY-MM-DD day in the zone (memoised: it is asked on hot paths). */
export function localMidnight(day: string, timeZone: string): Date {
  const key = `${timeZone}|${day}`;
  const known = midnights.get(key);
  if (known !== undefined) return new Date(known);
  if (midnights.size > 5000) midnights.clear();
  const wall = Date.parse(`${day}T00:00:00Z`);
  let t = wall - zoneOffsetMs(wall, timeZone);
  // A second pass settles days whose offset differs from the one at the naive guess (DST).
  t = wall - zoneOffsetMs(t, timeZone);
  midnights.set(key, t);
  return new Date(t);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Schema pattern for from/to (date or date-time with an offset). */
export const INSTANT_PATTERN = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:\\d{2}))?$';

function parseBound(name: 'from' | 'to' | 'at', v: string, timeZone: string): Date {
  if (DATE.test(v)) {
    const d = new Date(`${v}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw new ParamError(name, `${name}: "${v}" is not a calendar date`);
    return localMidnight(name === 'to' ? addDays(v, 1) : v, timeZone);
  }
  if (!DATE_TIME.test(v)) throw new ParamError(name, `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset (got "${v}")`);
  const t = new Date(v);
  if (Number.isNaN(t.getTime())) throw new ParamError(name, `${name}: "${v}" is not a valid date-time`);
  return t;
}

export function parseInstant(name: 'at', v: string, timeZone: string): Date {
  if (!DATE_TIME.test(v)) throw new ParamError(name, `${name} must be an ISO 8601 date-time with an offset (got "${v}")`);
  return parseBound(name, v, timeZone);
}

/** Local days from the day of `from` to the day of the last instant before `to`. */
export function daysOf(from: Date, to: Date, timeZone: string): string[] {
  return daysBetween(localDay(from, timeZone), localDay(new Date(Math.max(from.getTime(), to.getTime() - 1)), timeZone));
}

export function resolveRange(q: RangeQuery, now: Date, timeZone: string, fallback: Timeframe): ResolvedRange {
  if (q.from !== undefined || q.to !== undefined) {
    if (q.timeframe !== undefined) throw new ParamError('timeframe', 'timeframe: give either timeframe or from/to, not both');
    if (q.from === undefined) throw new ParamError('from', 'from is required with to');
    if (q.to === undefined) throw new ParamError('to', 'to is required with from');
    const from = parseBound('from', q.from, timeZone);
    const to = parseBound('to', q.to, timeZone);
    if (to.getTime() <= from.getTime()) throw new ParamError('to', 'to must be after from');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw new ParamError('from', `the range from..to may span at most ${MAX_RANGE_DAYS} days`);
    const todayStart = localMidnight(localDay(now, timeZone), timeZone);
    return { from, to, key: `${from.toISOString()}..${to.toISOString()}`, timeframe: null, historical: to.getTime() <= todayStart.getTime(), days: () => daysOf(from, to, timeZone) };
  }
  const tf = q.timeframe ?? fallback;
  const from = tf === 'mtd' ? localMidnight(`${localDay(now, timeZone).slice(0, 8)}01`, timeZone) : new Date(now.getTime() - Number(tf.slice(0, -1)) * DAY_MS);
  return { from, to: now, key: tf, timeframe: tf, historical: false, days: () => daysOf(from, now, timeZone) };
}
