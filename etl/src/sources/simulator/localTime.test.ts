import { localDay } from '../../util/time';
import { compactDay, dayNumber, dayString, DayClock, localDayStartUtc, localTimeOf, weekday, zonedTimeToUtc } from './localTime';

const NY = 'America/New_York';

describe('local days in the store time zone', () => {
  it('puts midnight in New York at 05:00Z in winter and 04:00Z in summer', () => {
    expect(localDayStartUtc('2026-01-15', NY).toISOString()).toBe('2026-01-15T05:00:00.000Z');
    expect(localDayStartUtc('2026-07-04', NY).toISOString()).toBe('2026-07-04T04:00:00.000Z');
  });

  it('knows the spring-forward day is 23 hours and the fall-back day 25 hours long', () => {
    const len = (a: string, b: string) => (localDayStartUtc(b, NY).getTime() - localDayStartUtc(a, NY).getTime()) / 3_600_000;
    expect(len('2026-03-08', '2026-03-09')).toBe(23);
    expect(len('2026-11-01', '2026-11-02')).toBe(25);
    expect(len('2026-03-07', '2026-03-08')).toBe(24);
    const london = (a: string, b: string) => (localDayStartUtc(b, 'Europe/London').getTime() - localDayStartUtc(a, 'Europe/London').getTime()) / 3_600_000;
    expect(london('2026-03-29', '2026-03-30')).toBe(23);
    expect(london('2026-10-25', '2026-10-26')).toBe(25);
  });

  it('converts wall times on both sides of a DST change, including skipped and repeated ones', () => {
    expect(zonedTimeToUtc('2026-03-08', 1, 30, 0, NY).toISOString()).toBe('2026-03-08T06:30:00.000Z');
    expect(zonedTimeToUtc('2026-03-08', 3, 30, 0, NY).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // 02:30 does not exist that night: it lands just after the gap, at 03:30 EDT.
    expect(zonedTimeToUtc('2026-03-08', 2, 30, 0, NY).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on fall-back night: the first (EDT) one is chosen.
    expect(zonedTimeToUtc('2026-11-01', 1, 30, 0, NY).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(zonedTimeToUtc('2026-11-01', 23, 59, 0, NY).toISOString()).toBe('2026-11-02T04:59:00.000Z');
  });

  it('handles half-hour zones and zones east of UTC', () => {
    expect(localDayStartUtc('2026-05-01', 'Asia/Kolkata').toISOString()).toBe('2026-04-30T18:30:00.000Z');
    expect(localDayStartUtc('2026-01-10', 'Australia/Sydney').toISOString()).toBe('2026-01-09T13:00:00.000Z');
    expect(localDayStartUtc('2026-01-10', 'UTC').toISOString()).toBe('2026-01-10T00:00:00.000Z');
  });

  it('finds the local day of an instant whose UTC date is the next day', () => {
    const t = zonedTimeToUtc('2026-11-21', 23, 59, 0, NY);
    expect(t.toISOString()).toBe('2026-11-22T04:59:00.000Z');
    expect(localDay(t, NY)).toBe('2026-11-21');
    expect(localTimeOf(t, NY)).toEqual({ hour: 23, minute: 59 });
  });

  it('starts the day after the gap where midnight itself is skipped', () => {
    // Chile springs forward at 00:00 → 01:00 (first Sunday of September 2026 is the 6th).
    const start = localDayStartUtc('2026-09-06', 'America/Santiago');
    expect(localDay(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDay(new Date(start.getTime() - 1000), 'America/Santiago')).toBe('2026-09-05');
  });

  it('does day arithmetic on plain dates', () => {
    expect(dayString(dayNumber('2026-11-21'))).toBe('2026-11-21');
    expect(compactDay(dayNumber('2026-11-21'))).toBe('20261121');
    expect(weekday(dayNumber('2026-11-21'))).toBe(6); // a Saturday
    expect(weekday(dayNumber('2026-11-23'))).toBe(1);
    expect(() => dayNumber('2026-02-30')).toThrow();
    expect(() => dayNumber('21/11/2026')).toThrow();
  });

  it('DayClock maps instants back to their local day', () => {
    const clock = new DayClock(NY);
    const dn = dayNumber('2026-11-01');
    expect(clock.end(dn) - clock.start(dn)).toBe(25 * 3_600_000);
    expect(clock.dayOf(clock.start(dn), dn - 3)).toBe(dn);
    expect(clock.dayOf(clock.end(dn) - 1, dn + 4)).toBe(dn);
    expect(() => new DayClock('Mars/Olympus_Mons')).toThrow();
  });
});
