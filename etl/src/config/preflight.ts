import { createServer } from 'node:net';
import { checkDataDir, DataDirUnusableError } from '../db/dataDirLock';
import { ConfigError, type Config } from './config';

/** Resolves null when host:port can be bound now, else the reason (EADDRINUSE, EACCES, ...). */
function bindProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? `${host}:${port} is already in use` : `cannot bind ${host}:${port} (${err.code ?? err.message})`));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

/**
 * What loadConfig cannot know from the values alone, checked before anything is written: the
 * ports the daemon will listen on are free, and DATA_DIR can hold the embedded database.
 * Throws a ConfigError naming each variable.
 */
export async function preflight(config: Config): Promise<void> {
  const problems: string[] = [];
  const ports: { name: string; host: string; port: number }[] = [{ name: 'HTTP_PORT', host: config.HTTP_HOST, port: config.HTTP_PORT }];
  if (!config.DATABASE_URL) ports.unshift({ name: 'EMBEDDED_PG_PORT', host: '127.0.0.1', port: config.EMBEDDED_PG_PORT });
  const [a, b] = ports;
  if (a && b && a !== b && a.port !== 0 && a.port === b.port) problems.push(`${b.name}: ${b.port} is also ${a.name}; give each its own port`);
  for (const p of ports) {
    if (p.port === 0) continue; // any free port
    const why = await bindProblem(p.host, p.port);
    if (why) problems.push(`${p.name}: ${why}`);
  }
  if (!config.DATABASE_URL) {
    try {
      checkDataDir(config.DATA_DIR);
    } catch (err) {
      if (!(err instanceof DataDirUnusableError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
