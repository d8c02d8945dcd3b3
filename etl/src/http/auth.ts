/**
 * Bearer tokens of the KPI API: JWTs signed HS256 with a shared secret or RS256 with a private key
 * whose public key the daemon holds. The algorithm is pinned by configuration, so `alg: none` and
 * algorithm-confusion tokens never verify; `exp` is required; `nbf` and `iat` are checked with a
 * bounded clock skew; `aud` and `iss` when configured.
 */
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errors, importPKCS8, importSPKI, jwtVerify, SignJWT, type KeyLike } from 'jose';

export const ROLES = ['admin', 'manager', 'public'] as const;
export type ApiRole = (typeof ROLES)[number];

export interface AuthConfig {
  API_JWT_SECRET?: string;
  API_JWT_PUBLIC_KEY?: string;
  API_JWT_AUDIENCE?: string;
  API_JWT_ISSUER?: string;
  API_JWT_CLOCK_SKEW_S: number;
}

export interface Principal {
  role: ApiRole;
  sub: string | null;
  /** Stable per token (hash), for the rate limit; never the token itself. */
  tokenId: string;
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: 401 | 403 | 503 = 401,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** A PEM given inline (the variable holds the key) or as a path to a PEM file. */
export function readPem(value: string): string {
  return value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readFileSync(value, 'utf8');
}

/** Verified tokens kept for their lifetime, so a busy client costs one signature check, not one per request. */
const MAX_REMEMBERED = 10_000;

export class TokenVerifier {
  private readonly remembered = new Map<string, { principal: Principal; expMs: number; nbfMs: number }>();

  private constructor(
    private readonly key: KeyObject | KeyLike | null,
    private readonly alg: 'HS256' | 'RS256' | null,
    private readonly cfg: AuthConfig,
  ) {}

  static async create(cfg: AuthConfig): Promise<TokenVerifier> {
    if (cfg.API_JWT_SECRET) return new TokenVerifier(createSecretKey(Buffer.from(cfg.API_JWT_SECRET, 'utf8')), 'HS256', cfg);
    if (cfg.API_JWT_PUBLIC_KEY) return new TokenVerifier(await importSPKI(readPem(cfg.API_JWT_PUBLIC_KEY), 'RS256'), 'RS256', cfg);
    return new TokenVerifier(null, null, cfg);
  }

  get configured(): boolean {
    return this.key !== null;
  }

  /**
   * The principal of a header already verified and still within its validity, synchronously (the
   * hot path: no promise); undefined when the header needs `verify`. Remembered under the whole
   * header as sent: a repeat costs one map look-up, no parsing.
   */
  known(authorization: string | undefined): Principal | undefined {
    if (authorization === undefined || !this.key) return undefined;
    const known = this.remembered.get(authorization);
    if (!known) return undefined;
    const skewMs = this.cfg.API_JWT_CLOCK_SKEW_S * 1000;
    const now = Date.now();
    if (now < known.expMs + skewMs && now >= known.nbfMs - skewMs) return known.principal;
    this.remembered.delete(authorization);
    return undefined;
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    if (!this.key || !this.alg) throw new AuthError('the API has no token key configured (set API_JWT_SECRET or API_JWT_PUBLIC_KEY)', 503);
    const skew = this.cfg.API_JWT_CLOCK_SKEW_S;
    const known = this.known(authorization);
    if (known) return known;
    const m = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(authorization ?? '');
    if (!m) throw new AuthError(authorization ? 'Authorization header is not "Bearer <token>"' : 'no bearer token');
    const token = m[1] as string;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [this.alg],
        requiredClaims: ['exp'],
        clockTolerance: skew,
        audience: this.cfg.API_JWT_AUDIENCE,
        issuer: this.cfg.API_JWT_ISSUER,
      }));
    } catch (err) {
      throw new AuthError(describeJoseError(err));
    }
    // jose checks iat only against maxTokenAge; a token issued in the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + skew) throw new AuthError('token issued in the future (iat)');
    const role = payload.role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new AuthError(`token role must be one of ${ROLES.join(', ')}`);
    const principal: Principal = {
      role: role as ApiRole,
      sub: typeof payload.sub === 'string' ? payload.sub : null,
      tokenId: createHash('sha256').update(token).digest('base64url').slice(0, 22),
    };
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
    this.remembered.set(authorization as string, { principal, expMs: (payload.exp as number) * 1000, nbfMs: typeof payload.nbf === 'number' ? payload.nbf * 1000 : 0 });
    return principal;
  }
}

function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" is invalid: ${err.reason}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not verify';
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return 'token is malformed';
  return 'token rejected';
}

/** Parses "30d", "12h", "15m", "3600s" (or bare seconds) into seconds. */
export function parseTtl(ttl: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(ttl.trim());
  if (!m) throw new Error(`--ttl must look like 30d, 12h, 15m or 3600s (got "${ttl}")`);
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (n <= 0) throw new Error('--ttl must be positive');
  return n * unit;
}

export interface IssueOptions {
  role: ApiRole;
  ttlS: number;
  sub?: string;
  audience?: string;
  issuer?: string;
  /** HS256 shared secret, or a PKCS#8 private key PEM for RS256. */
  secret?: string;
  privateKeyPem?: string;
  now?: Date;
}

export async function issueToken(o: IssueOptions): Promise<string> {
  const nowS = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const jwt = new SignJWT({ role: o.role })
    .setIssuedAt(nowS)
    .setNotBefore(nowS)
    .setExpirationTime(nowS + o.ttlS)
    .setJti(createHash('sha256').update(`${nowS}:${Math.random()}`).digest('hex').slice(0, 16));
  if (o.sub) jwt.setSubject(o.sub);
  if (o.audience) jwt.setAudience(o.audience);
  if (o.issuer) jwt.setIssuer(o.issuer);
  if (o.privateKeyPem) return jwt.setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(await importPKCS8(o.privateKeyPem, 'RS256'));
  if (o.secret) return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(createSecretKey(Buffer.from(o.secret, 'utf8')));
  throw new Error('no signing key: set API_JWT_SECRET (HS256) or pass --private-key FILE (RS256)');
}
