/**
 * Errors thrown by Node's sockets come from Node's own realm; under a vm sandbox (the test
 * runner) `instanceof Error` fails for them, so normalizers read the fields instead.
 */
export function isErrorLike(err: unknown): err is Error & { code?: unknown } {
  return typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string';
}
