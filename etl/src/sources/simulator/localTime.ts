/**
 * Local calendar days and wall-clock times in the store's time zone, converted to UTC instants
 * with Intl alone. Days are handled as integer day numbers (days since 1970-01-01 as a calendar
 * date, not an instant) so that day arithmetic never goes through a time zone.
 */

import { DAY_MS, HOUR_MS, localDay, MINUTE_MS } from '../../util/time';

export { DAY_MS, HOUR_MS, MINUTE_MS };

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function dayNumber(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`not a YYYY-MM-DD day: ${day}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) throw new Error(`no such day: ${day}`);
  return Math.round(t / DAY_MS);
}

// Ids embed the day thousands of times per day: format each day once.
const dayStrings = new Map<number, string>();
const compactDays = new Map<number, string>();

export function dayString(dn: number): string {
  let s = dayStrings.get(dn);
  if (s === undefined) {
    s = new Date(dn * DAY_MS).toISOString().slice(0, 10);
    dayStrings.set(dn, s);
  }
  return s;
}

/** YYYYMMDD, for ids. */
export function compactDay(dn: number): string {
  let c = compactDays.get(dn);
  if (c === undefined) {
    const s = dayString(dn);
    c = s.slice(0, 4) + s.slice(5, 7) + s.slice(8, 10);
    compactDays.set(dn, c);
  }
  return c;
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekday(dn: number): number {
  return (((dn + 4) % 7) + 7) % 7;
}

interface WallClock {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // hourCycle h23: some engines print midnight as 24 with hour12: false.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClockAt(t: number, timeZone: string): WallClock {
  const w: WallClock = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of formatter(timeZone).formatToParts(new Date(t))) {
    const v = Number(p.value);
    if (p.type === 'year') w.y = v;
    else if (p.type === 'month') w.mo = v;
    else if (p.type === 'day') w.d = v;
    else if (p.type === 'hour') w.h = v === 24 ? 0 : v;
    else if (p.type === 'minute') w.mi = v;
    else if (p.type === 'second') w.s = v;
  }
  return w;
}

/** Offset of local wall time from UTC at instant t (local = UTC + offset). */
export function tzOffsetMs(t: number, timeZone: string): number {
  const w = wallClockAt(t, timeZone);
  const wallAsUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return wallAsUtc - (t - (((t % 1000) + 1000) % 1000));
}

/**
 * The instant at which the wall clock in `timeZone` shows the given local time. Two passes settle
 * the offset on either side of a DST change. A wall time skipped by a spring-forward gap maps to
 * the instant just after the gap (02:30 on a 02:00→03:00 day gives 03:30 local); a repeated one
 * maps to its first occurrence.
 */
export function zonedTimeToUtc(day: string, hour: number, minute: number, second: number, timeZone: string): Date {
  const wall = dayNumber(day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000;
  // Offsets in force a day either side; zones change offset at most once in that span.
  const before = wall - tzOffsetMs(wall - DAY_MS, timeZone);
  const after = wall - tzOffsetMs(wall + DAY_MS, timeZone);
  const shows = (t: number): boolean => t + tzOffsetMs(t, timeZone) === wall;
  const okBefore = shows(before);
  const okAfter = shows(after);
  if (okBefore && okAfter) return new Date(Math.min(before, after));
  if (okBefore) return new Date(before);
  if (okAfter) return new Date(after);
  return new Date(before); // in a gap: the old offset puts it just past the gap
}


/** Local hour and minute of an instant, for tests and hour-of-day curves. */
export function localTimeOf(instant: Date, timeZone: string): { hour: number; minute: number } {
  const w = wallClockAt(instant.getTime(), timeZone);
  return { hour: w.h, minute: w.mi };
}

/**
 * First instant of a local day. Where midnight itself is skipped (zones that change at 00:00),
 * the day starts at the end of the gap.
 */
export function localDayStartUtc(day: string, timeZone: string): Date {
  const t = zonedTimeToUtc(day, 0, 0, 0, timeZone);
  if (localDay(t, timeZone) === day) return t;
  // Landed on the previous day (gap at midnight): walk forward to the first instant of `day`.
  let lo = t.getTime();
  let hi = lo + 3 * HOUR_MS;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (localDay(new Date(mid), timeZone) === day) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** Day starts in one zone, cached: the simulator asks for the same few days many times. */
export class DayClock {
  private readonly starts = new Map<number, number>();

  constructor(readonly timeZone: string) {
    formatter(timeZone); // throws early on an unknown zone
  }

  start(dn: number): number {
    let s = this.starts.get(dn);
    if (s === undefined) {
      s = localDayStartUtc(dayString(dn), this.timeZone).getTime();
      this.starts.set(dn, s);
    }
    return s;
  }

  end(dn: number): number {
    return this.start(dn + 1);
  }

  /** Local day number of instant t; `hint` is a day near it, which keeps this to a couple of lookups. */
  dayOf(t: number, hint: number): number {
    let dn = hint + Math.floor((t - this.start(hint)) / DAY_MS);
    while (t < this.start(dn)) dn--;
    while (t >= this.start(dn + 1)) dn++;
    return dn;
  }
}
