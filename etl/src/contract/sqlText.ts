/**
 * A small PostgreSQL lexer for the two places that must tell code from text: the migration
 * runner splits view files into statements (to name the failing line), and the dashboard macro
 * expander drops comments before expanding (as Grafana does, so a macro in a comment is inert).
 * It knows '…' strings (with '' escapes, and E'…' backslash escapes), "…" identifiers,
 * $tag$…$tag$ bodies, -- line comments and nested /* block comments *\/.
 */

export type SqlPiece = { kind: 'code' | 'string' | 'comment'; text: string; offset: number };

const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** Splits sql into code, quoted text and comments; concatenating the pieces gives sql back. */
export function lexSql(sql: string): SqlPiece[] {
  const out: SqlPiece[] = [];
  let i = 0;
  let codeStart = 0;
  const flushCode = (end: number) => {
    if (end > codeStart) out.push({ kind: 'code', text: sql.slice(codeStart, end), offset: codeStart });
  };
  const push = (kind: 'string' | 'comment', start: number, end: number) => {
    flushCode(start);
    out.push({ kind, text: sql.slice(start, end), offset: start });
    i = end;
    codeStart = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      push('comment', i, nl === -1 ? sql.length : nl);
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      push('comment', i, j);
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      push('string', i, Math.min(j + 1, sql.length));
    } else if (c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') break;
        else j++;
      }
      push('string', i, Math.min(j + 1, sql.length));
    } else if (c === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(sql);
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        push('string', i, close === -1 ? sql.length : close + m[0].length);
      } else i++;
    } else i++;
  }
  flushCode(sql.length);
  return out;
}

/**
 * The statement with its comments removed. A block comment becomes one space (so `a/*x*\/b`
 * stays two tokens); a line comment is removed up to, not including, its newline.
 */
export function stripSqlComments(sql: string): string {
  return lexSql(sql)
    .map((p) => (p.kind !== 'comment' ? p.text : p.text.startsWith('/*') ? ' ' : ''))
    .join('');
}

export interface SqlStatement {
  sql: string;
  /** 1-based line of the statement's first token (comments before it are skipped) in the source. */
  line: number;
}

/**
 * Splits a script on top-level semicolons. Each statement starts at its first token (comments
 * before it are left out), so an error position inside it maps to a line of the script.
 * Statements that are only comments are dropped.
 */
export function splitSqlStatements(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = 0;
  const emit = (end: number) => {
    const text = sql.slice(start, end);
    // The statement starts at its first token that is not blank or a comment.
    const first = lexSql(text).find((p) => p.kind !== 'comment' && p.text.trim() !== '');
    if (first && !(first.kind === 'code' && first.text.trim() === ';')) {
      const lead = first.offset + (first.text.length - first.text.trimStart().length);
      out.push({ sql: text.slice(lead).trimEnd(), line: lineAt(sql, start + lead) });
    }
  };
  for (const piece of lexSql(sql)) {
    if (piece.kind !== 'code') continue;
    let k = piece.text.indexOf(';');
    while (k !== -1) {
      emit(piece.offset + k + 1);
      start = piece.offset + k + 1;
      k = piece.text.indexOf(';', k + 1);
    }
  }
  emit(sql.length);
  return out;
}

/** 1-based line number of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
