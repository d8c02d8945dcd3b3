// The signal handlers come before any module loads: a SIGTERM while the daemon is still loading,
// opening the database, migrating or backfilling must stop it cleanly, never kill it with 143.
// Everything else is loaded afterwards, in daemon.ts.
const stop = new AbortController();
const onSignal = (signal: string) => {
  if (!stop.signal.aborted) stop.abort(signal);
};
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

void import('./daemon.js').then(
  (d) => d.runDaemon(stop).catch(d.failed),
  (err: unknown) => {
    process.stderr.write(`failed to load the daemon: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
