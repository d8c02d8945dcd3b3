/**
 * A small reader of docker/etl.Dockerfile for the build test: the instructions in order, with
 * line continuations joined and the stage each belongs to. Only what the Dockerfile uses.
 */
export interface Instruction {
  op: string;
  args: string;
  stage: number;
}

export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`cannot read Dockerfile line: ${line}`);
    const op = m[1] as string;
    if (op === 'FROM') stage++;
    out.push({ op, args: (m[2] as string).trim(), stage });
  }
  return out;
}

/** `COPY [--from=x] [--chown=y] src... dest` */
export function copyArgs(args: string): { from: string | null; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  let from: string | null = null;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = words.pop();
  if (!dest || words.length === 0) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { from, sources: words, dest };
}

/** `ENV K=V` (one pair per line, as the Dockerfile writes them). */
export function envArg(args: string): [string, string] {
  const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(args);
  if (!m) throw new Error(`ENV must be K=V: ${args}`);
  return [m[1] as string, m[2] as string];
}

/** The exec form of CMD (a JSON array), possibly after HEALTHCHECK's options. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const v = JSON.parse(json) as unknown;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`expected an exec-form array: ${args}`);
  return v;
}
