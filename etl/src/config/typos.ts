/** Edit distance (insert, delete, substitute, swap two neighbours) between two names. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * Environment names within two edits of a known variable (DATA_DIRR, REDIS_URI, LOG_LEVL,
 * DATABSE_URL): almost always a typo that would otherwise be ignored silently. Only names in
 * upper case with an underscore are considered, as the daemon's own are.
 */
export function misspelledVariables(envKeys: string[], known: readonly string[]): { name: string; meant: string }[] {
  const out: { name: string; meant: string }[] = [];
  for (const name of envKeys) {
    if (known.includes(name) || !/^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(name)) continue;
    let best: { meant: string; d: number } | null = null;
    for (const k of known) {
      const d = editDistance(name, k);
      if (d <= 2 && (!best || d < best.d)) best = { meant: k, d };
    }
    if (best) out.push({ name, meant: best.meant });
  }
  return out;
}
