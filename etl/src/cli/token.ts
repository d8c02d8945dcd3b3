/**
 * Issues a KPI API bearer token:
 *   npm run token -w etl -- --role manager --ttl 30d [--sub slack-bot] [--private-key key.pem]
 * HS256 with API_JWT_SECRET, or RS256 with --private-key (PKCS#8 PEM) matching API_JWT_PUBLIC_KEY;
 * aud/iss from API_JWT_AUDIENCE / API_JWT_ISSUER. Prints the token on stdout, nothing else.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/config';
import { issueToken, parseTtl, ROLES, type ApiRole } from '../http/auth';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const role = arg('role');
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const ttlS = parseTtl(arg('ttl') ?? '30d');
  const config = loadConfig();
  const keyFile = arg('private-key');
  if (!keyFile && !config.API_JWT_SECRET) throw new Error('set API_JWT_SECRET (HS256) or pass --private-key FILE (RS256)');
  const token = await issueToken({
    role: role as ApiRole,
    ttlS,
    sub: arg('sub'),
    audience: config.API_JWT_AUDIENCE,
    issuer: config.API_JWT_ISSUER,
    secret: keyFile ? undefined : config.API_JWT_SECRET,
    privateKeyPem: keyFile ? readFileSync(keyFile, 'utf8') : undefined,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `token: ${(err as Error).message}`}\n`);
  process.exit(2);
});
