/**
 * Generates the role schemas (`adm`, `mgr`, `pub`) from the exposure declaration. Column lists
 * and function signatures are read from the `kpi` objects the view files just created, so a
 * view's columns are written once (in its file) and a role's losses once (in the declaration).
 */
import { EXPOSURE, type ExposedObject } from '../contract/exposure';
import { DB_ROLE, KPI_SCHEMA, ROLE_KEYS, ROLE_SCHEMA, type RoleKey } from '../contract/roles';
import type { Queryable } from './db';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export interface GeneratedStatement {
  /** What the statement creates, for error messages ("mgr.product_performance"). */
  object: string;
  sql: string;
}

/**
 * Logins are cluster-wide: another database on the server may have created them already, or be
 * creating them right now (its CREATE ROLE then makes this one fail on the unique name once it
 * commits), so a lost race counts as "exists".
 */
export function roleCreationSql(): string {
  const lines = ROLE_KEYS.map(
    (r) =>
      `  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${DB_ROLE[r]}') THEN
` +
      `    BEGIN CREATE ROLE ${DB_ROLE[r]} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
` +
      `  END IF;`,
  );
  return `DO $$\nBEGIN\n${lines.join('\n')}\nEND $$`;
}

async function relationColumns(tx: Queryable, relation: string): Promise<string[]> {
  const r = await tx.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [relation],
  );
  return r.rows.map((x) => x.name);
}

interface FunctionShape {
  args: string;
  nargs: number;
  columns: Array<{ name: string; type: string }>;
}

async function functionShape(tx: Queryable, name: string): Promise<FunctionShape> {
  const r = await tx.query<{ args: string; nargs: number; names: string[] | null; types: string[] | null; modes: string[] | null }>(
    `SELECT pg_get_function_arguments(p.oid) AS args, p.pronargs::int AS nargs, p.proargnames AS names,
            (SELECT array_agg(format_type(t, NULL) ORDER BY i) FROM unnest(p.proallargtypes) WITH ORDINALITY AS u(t, i)) AS types,
            p.proargmodes::text[] AS modes
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = $1 AND p.proname = $2`,
    [KPI_SCHEMA, name],
  );
  if (r.rows.length !== 1) {
    throw new Error(`${KPI_SCHEMA}.${name}: expected exactly one function of that name, found ${r.rows.length}`);
  }
  const row = r.rows[0]!;
  const columns: FunctionShape['columns'] = [];
  (row.modes ?? []).forEach((mode, i) => {
    if (mode === 't') columns.push({ name: row.names?.[i] ?? `column${i}`, type: row.types?.[i] ?? 'unknown' });
  });
  if (columns.length === 0) throw new Error(`${KPI_SCHEMA}.${name}: role wrappers need a RETURNS TABLE function`);
  return { args: row.args, nargs: row.nargs, columns };
}

function visible<T extends string | { name: string }>(all: T[], o: ExposedObject, role: RoleKey): T[] {
  const hidden = o.hidden?.[role] ?? [];
  const names = all.map((c) => (typeof c === 'string' ? c : c.name));
  const unknown = hidden.filter((h) => !names.includes(h));
  if (unknown.length > 0) {
    throw new Error(`exposure of ${o.name} hides column(s) it does not have: ${unknown.join(', ')}`);
  }
  return all.filter((c) => !hidden.includes(typeof c === 'string' ? c : c.name));
}

/** Every statement that builds the role schemas, in order; run after the view files. */
export async function roleSchemaStatements(tx: Queryable): Promise<GeneratedStatement[]> {
  const out: GeneratedStatement[] = [{ object: 'roles', sql: roleCreationSql() }];
  for (const role of ROLE_KEYS) {
    const schema = ROLE_SCHEMA[role];
    out.push({ object: schema, sql: `CREATE SCHEMA IF NOT EXISTS ${schema}` });
    for (const o of EXPOSURE.filter((x) => x.readers.includes(role))) {
      const target = `${schema}.${quoteIdent(o.name)}`;
      if (o.kind === 'view') {
        const source = o.source ?? `${KPI_SCHEMA}.${quoteIdent(o.name)}`;
        const cols = visible(await relationColumns(tx, source), o, role).map(quoteIdent);
        const where = o.rowFilter?.[role] ? ` WHERE ${o.rowFilter[role]}` : '';
        out.push({ object: `${schema}.${o.name}`, sql: `CREATE VIEW ${target} AS SELECT ${cols.join(', ')} FROM ${source}${where}` });
      } else {
        const shape = await functionShape(tx, o.name);
        const cols = visible(shape.columns, o, role);
        const params = Array.from({ length: shape.nargs }, (_, i) => `$${i + 1}`).join(', ');
        out.push({
          object: `${schema}.${o.name}`,
          sql:
            `CREATE FUNCTION ${target}(${shape.args})\n` +
            `RETURNS TABLE (${cols.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})\n` +
            `LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public\n` +
            `AS $$ SELECT ${cols.map((c) => quoteIdent(c.name)).join(', ')} FROM ${KPI_SCHEMA}.${quoteIdent(o.name)}(${params}) $$`,
        });
      }
    }
  }
  const schemas = ROLE_KEYS.map((r) => ROLE_SCHEMA[r]).join(', ');
  // New functions are executable by PUBLIC by default: take that back before granting the role.
  out.push({ object: 'grants', sql: `REVOKE ALL ON SCHEMA ${schemas} FROM PUBLIC` });
  out.push({ object: 'grants', sql: `REVOKE ALL ON ALL TABLES IN SCHEMA ${schemas} FROM PUBLIC` });
  out.push({ object: 'grants', sql: `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${schemas} FROM PUBLIC` });
  for (const role of ROLE_KEYS) {
    const s = ROLE_SCHEMA[role];
    const r = DB_ROLE[role];
    out.push({ object: 'grants', sql: `GRANT USAGE ON SCHEMA ${s} TO ${r}` });
    out.push({ object: 'grants', sql: `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r}` });
    out.push({ object: 'grants', sql: `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${s} TO ${r}` });
  }
  return out;
}
