export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** SQL files are templates only for the store time zone, which the daily buckets bake in. */
export function renderStoreTimeZone(sql: string, timeZone: string): string {
  return sql.replace(/\{\{STORE_TIMEZONE\}\}/g, quoteLiteral(timeZone));
}
