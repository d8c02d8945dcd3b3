import { lexSql, splitSqlStatements, stripSqlComments } from './sqlText';

describe('SQL lexer', () => {
  it('gives the text back piece by piece', () => {
    const sql = "SELECT 'a--b', \"x/*y\", $f$ -- body $f$ /* c /* nested */ still */ -- tail\nFROM t";
    expect(lexSql(sql).map((p) => p.text).join('')).toBe(sql);
    expect(lexSql(sql).filter((p) => p.kind === 'comment').map((p) => p.text)).toEqual(['/* c /* nested */ still */', '-- tail']);
  });

  it('strips comments only outside strings, identifiers and dollar-quoted bodies', () => {
    expect(stripSqlComments("SELECT 1 -- one\n, 'it''s -- kept' /* two */ , E'\\' -- kept too' FROM t")).toBe(
      "SELECT 1 \n, 'it''s -- kept'   , E'\\' -- kept too' FROM t",
    );
    expect(stripSqlComments('SELECT $$ -- in a body $$, $1 -- gone')).toBe('SELECT $$ -- in a body $$, $1 ');
    expect(stripSqlComments('a/**/b')).toBe('a b');
  });

  it('splits on top-level semicolons, naming the line of each statement', () => {
    const sql = 'SELECT 1;\n\n-- note\nCREATE FUNCTION f() RETURNS int AS $b$ SELECT 2; $b$ LANGUAGE sql;\n  SELECT 3';
    expect(splitSqlStatements(sql).map((s) => [s.line, s.sql.split('\n').pop()])).toEqual([
      [1, 'SELECT 1;'],
      [4, 'CREATE FUNCTION f() RETURNS int AS $b$ SELECT 2; $b$ LANGUAGE sql;'],
      [5, 'SELECT 3'],
    ]);
    expect(splitSqlStatements('-- only a comment;\n')).toEqual([]);
  });
});
