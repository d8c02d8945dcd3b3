// Expected strings are the outputs Grafana's own macro tests assert
// (pkg/tsdb/grafana-postgresql-datasource/macros_test.go) plus the SQL datasource's documented
// variable interpolation.
import { expandSql, goFloatV, interpolateMacros, interpolateVariables, MacroError, parseGoDuration, rfc3339Nano, type ExpandOptions } from '../src/macros';

const from = new Date(Date.UTC(2018, 3, 12, 18, 0, 0));
const to = new Date(from.getTime() + 5 * 60e3);
const plain: ExpandOptions = { range: { from, to }, intervalMs: 60e3, timescaledb: false };
const ts: ExpandOptions = { ...plain, timescaledb: true };
const m = (sql: string, o: ExpandOptions = plain): string => interpolateMacros(sql, o);

describe('postgres macro engine (Grafana 12)', () => {
  test('$__time and $__timeEpoch', () => {
    expect(m('select $__time(time_column)')).toBe('select time_column AS "time"');
    expect(m('select min($__time(time_column))')).toBe('select min(time_column AS "time")');
    expect(m('select $__timeEpoch(c)')).toBe('select extract(epoch from c) as "time"');
  });

  test('$__timeFilter, $__timeFrom, $__timeTo use RFC3339Nano UTC', () => {
    expect(m('WHERE $__timeFilter(time_column)')).toBe(
      "WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
    );
    expect(m('select $__timeFrom()')).toBe("select '2018-04-12T18:00:00Z'");
    expect(m('select $__timeTo()')).toBe("select '2018-04-12T18:05:00Z'");
  });

  test('fractional seconds are trimmed like Go', () => {
    const f = new Date(Date.UTC(1960, 1, 1, 7, 0, 0, 500));
    expect(rfc3339Nano(f)).toBe('1960-02-01T07:00:00.5Z');
    const o = { ...plain, range: { from: f, to: new Date(Date.UTC(1980, 1, 3, 8, 0, 0, 500)) } };
    expect(m('WHERE $__timeFilter(time_column)', o)).toBe(
      "WHERE time_column BETWEEN '1960-02-01T07:00:00.5Z' AND '1980-02-03T08:00:00.5Z'",
    );
    expect(m('select $__unixEpochFilter(time)', o)).toBe(`select time >= ${Date.UTC(1960, 1, 1, 7) / 1000} AND time <= ${Date.UTC(1980, 1, 3, 8) / 1000}`);
  });

  test('$__timeGroup without TimescaleDB, incl. the pre-5.3 alias rule', () => {
    expect(m("SELECT $__timeGroup(time_column,'5m')")).toBe('SELECT floor(extract(epoch from time_column)/300)*300');
    expect(m("SELECT $__timeGroupAlias(time_column,'5m')")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 AS "time"');
    expect(m("SELECT $__timeGroup(time_column,'5m'), value")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value');
    expect(m("SELECT $__timeGroup(time_column,'5m') as time, value")).toBe('SELECT floor(extract(epoch from time_column)/300)*300 as time, value');
    expect(m("$__timeGroup(time_column , '5m')")).toBe('floor(extract(epoch from time_column)/300)*300');
    // Go prints 1036800.0 with %v as 1.0368e+06
    expect(m("$__timeGroup(c,'12d')")).toBe('floor(extract(epoch from c)/1.0368e+06)*1.0368e+06');
  });

  test('$__timeGroup with TimescaleDB uses time_bucket with %.3fs', () => {
    expect(m("GROUP BY $__timeGroup(time_column,'5m')", ts)).toBe("GROUP BY time_bucket('300.000s',time_column)");
    expect(m("GROUP BY $__timeGroup(time_column , '5m')", ts)).toBe("GROUP BY time_bucket('300.000s',time_column)");
    expect(m("GROUP BY $__timeGroup(time_column , '12d')", ts)).toBe("GROUP BY time_bucket('1036800.000s',time_column)");
    expect(m("GROUP BY $__timeGroup(time_column , '20ms')", ts)).toBe("GROUP BY time_bucket('0.020s',time_column)");
    expect(m("SELECT $__timeGroupAlias(c,'1h')", ts)).toBe(`SELECT time_bucket('3600.000s',c) AS "time"`);
    expect(m("SELECT $__timeGroup(c,'1d', 0)", ts)).toBe("SELECT time_bucket('86400.000s',c)");
    expect(m("SELECT $__timeGroup(c,'1d', NULL)", ts)).toBe("SELECT time_bucket('86400.000s',c)");
    expect(() => m("SELECT $__timeGroup(c,'1d', bogus)", ts)).toThrow(MacroError);
  });

  test('unix epoch macros', () => {
    const f = from.getTime() / 1000;
    const t = to.getTime() / 1000;
    expect(m('select $__unixEpochFilter(time)')).toBe(`select time >= ${f} AND time <= ${t}`);
    expect(m('select $__unixEpochNanoFilter(time)')).toBe(`select time >= ${f}000000000 AND time <= ${t}000000000`);
    expect(m('select $__unixEpochNanoFrom()')).toBe(`select ${f}000000000`);
    expect(m('select $__unixEpochNanoTo()')).toBe(`select ${t}000000000`);
    expect(m("SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')")).toBe('SELECT floor((time_column+time_adjustment)/300)*300');
    expect(m("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')")).toBe('SELECT floor((time_column+time_adjustment)/300)*300 AS "time"');
    expect(expandSql('select $__unixEpochFrom(), $__unixEpochTo()', plain)).toBe(`select ${f}, ${t}`);
  });

  test('errors as Grafana reports them', () => {
    expect(() => m('select $__nope(x)')).toThrow('unknown macro "__nope"');
    expect(() => m('select $__timeGroup(x)')).toThrow('needs time column and interval');
    expect(() => m("select $__timeGroup(x,'5parsecs')")).toThrow("error parsing interval '5parsecs'");
  });
});

describe('global substitutions and variables', () => {
  test('$__interval and $__interval_ms', () => {
    expect(expandSql("time_bucket('$__interval', t), $__interval_ms", { ...plain, intervalMs: 3600e3 })).toBe("time_bucket('1h', t), 3600000");
    expect(expandSql('$__interval', { ...plain, intervalMs: 30e3 })).toBe('30s');
    expect(expandSql('$__interval', { ...plain, intervalMs: 86400e3 })).toBe('1d');
  });

  test('single-value variables are escaped but not quoted; multi/all values are quoted lists', () => {
    const o: ExpandOptions = {
      ...plain,
      variables: {
        n: { value: '10' },
        who: { value: "O'Brien" },
        tier: { value: ['Brick', 'Top Shelf'], multi: true, includeAll: true },
        one: { value: 'Value', multi: true },
      },
    };
    expect(interpolateVariables('LIMIT $n', o)).toBe('LIMIT 10');
    expect(interpolateVariables("name = '$who'", o)).toBe("name = 'O''Brien'");
    expect(interpolateVariables('tier IN ($tier)', o)).toBe("tier IN ('Brick','Top Shelf')");
    expect(interpolateVariables('tier IN (${tier})', o)).toBe("tier IN ('Brick','Top Shelf')");
    expect(interpolateVariables('tier IN ([[tier]])', o)).toBe("tier IN ('Brick','Top Shelf')");
    expect(interpolateVariables('tier IN (${one})', o)).toBe("tier IN ('Value')");
    expect(interpolateVariables('${tier:csv}', o)).toBe('Brick,Top Shelf');
    expect(interpolateVariables('${tier:singlequote}', o)).toBe("'Brick','Top Shelf'");
    // macros and unknown names pass through to the backend untouched
    expect(interpolateVariables('$__timeFilter(x) $unknown', o)).toBe('$__timeFilter(x) $unknown');
  });

  test('built-in time variables', () => {
    expect(interpolateVariables('$__from $__to', plain)).toBe(`${from.getTime()} ${to.getTime()}`);
    expect(interpolateVariables('${__from:date:iso}', plain)).toBe('2018-04-12T18:00:00.000Z');
    expect(interpolateVariables('${__to:date:seconds}', plain)).toBe(String(to.getTime() / 1000));
    expect(interpolateVariables('$__range_s', plain)).toBe('300');
  });
});

describe('Go formatting helpers', () => {
  test('goFloatV and ParseDuration', () => {
    expect(goFloatV(300)).toBe('300');
    expect(goFloatV(0.02)).toBe('0.02');
    expect(goFloatV(604800)).toBe('604800');
    expect(goFloatV(0.00001)).toBe('1e-05');
    expect(parseGoDuration('1h30m')).toBe(5400);
    expect(parseGoDuration('1.5h')).toBe(5400);
    expect(parseGoDuration('20ms')).toBeCloseTo(0.02);
    expect(() => parseGoDuration('5d')).toThrow();
  });
});

describe('comments are stripped before expansion', () => {
  const o: ExpandOptions = {
    range: { from: new Date('2026-03-05T05:00:00Z'), to: new Date('2026-03-06T05:00:00Z') },
    intervalMs: 60_000,
    timescaledb: true,
  };
  it('drops -- and /* */ comments, so a macro inside one is not expanded (a bad one would throw)', () => {
    const sql = "SELECT 1 -- $__timeGroup(bad, nope)\nFROM t /* $__timeFilter() */ WHERE $__timeFilter(time)";
    expect(expandSql(sql, o)).toBe("SELECT 1 \nFROM t   WHERE time BETWEEN '2026-03-05T05:00:00Z' AND '2026-03-06T05:00:00Z'");
  });
  it('keeps comment markers inside strings and quoted identifiers', () => {
    const sql = `SELECT '-- not a comment' AS "a/*b", 'it''s /* text */' FROM t -- gone`;
    expect(expandSql(sql, o)).toBe(`SELECT '-- not a comment' AS "a/*b", 'it''s /* text */' FROM t `);
  });
});
