// `npm run generate -w dashboards` writes every generated file; `--check` only reports files that
// differ from what the sources generate (the test suite does the same comparison).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { generatedFiles, REPO_ROOT } from './all';

function main(): void {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [rel, content] of generatedFiles()) {
    const file = path.join(REPO_ROOT, rel);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === content) continue;
    if (check) {
      stale.push(rel);
      continue;
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    console.log(`wrote ${rel}`);
  }
  if (check && stale.length) {
    console.error(`out of date (run npm run generate -w dashboards):\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
}

main();
