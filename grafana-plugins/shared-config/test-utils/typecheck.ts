import { spawnSync } from 'child_process';
import path from 'path';

/** Runs the TypeScript compiler over a plugin (strict, no emit); returns its diagnostics. */
export function typecheck(pluginDir: string): { status: number | null; output: string } {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(pluginDir, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], {
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}
