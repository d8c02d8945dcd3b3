/** The deployment files as the deploy tests read them: parsed compose file, .env.example, Dockerfile. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const ROOT = path.resolve(__dirname, '../../..');
export const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

export interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Merge keys (`<<: *anchor`) resolved, as Compose resolves them; ${VAR} left as written. */
export function composeFile(): ComposeFile {
  return parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
}

/** Every ${VAR}, ${VAR:-default} and ${VAR:?message} of the compose file, by name (comments aside). */
export function composeVariables(): Set<string> {
  const text = read('docker-compose.yml').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
  return new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}/g)].map((m) => m[1] as string));
}

export interface EnvEntry {
  name: string;
  value: string;
  /** `#NAME=` lines: fixed by the stack, listed for running the daemon outside Docker. */
  fixedByStack: boolean;
  /** The comment lines right above the entry. */
  comment: string;
}

export function envExample(): EnvEntry[] {
  const out: EnvEntry[] = [];
  let comment: string[] = [];
  for (const line of read('.env.example').split('\n')) {
    const m = /^(#?)([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) {
      out.push({ name: m[2] as string, value: m[3] as string, fixedByStack: m[1] === '#', comment: comment.join('\n') });
      comment = [];
    } else if (line.startsWith('# ')) comment.push(line.slice(2));
    else comment = [];
  }
  return out;
}
