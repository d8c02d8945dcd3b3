/**
 * Writes docs/api.md from the HTTP server's OpenAPI document (`npm run docs:api -w etl`);
 * `--check` exits 1 when the committed file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../docs/openapi';
import { renderApiMarkdown } from '../docs/apiMarkdown';

export const API_DOC = path.resolve(__dirname, '../../../docs/api.md');

async function main(): Promise<void> {
  const text = renderApiMarkdown(await openApiDocument());
  if (process.argv.includes('--check')) {
    const current = readFileSync(API_DOC, 'utf8');
    if (current !== text) {
      process.stderr.write('docs/api.md is out of date: run `npm run docs:api -w etl`\n');
      process.exit(1);
    }
    return;
  }
  writeFileSync(API_DOC, text);
  process.stdout.write(`wrote ${API_DOC}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
