/**
 * A one-line progress bar with rate and ETA. On a terminal it redraws in place; elsewhere
 * (CI, a log file) it prints a plain line at every 10 % so the output stays readable.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDecile = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  update(done: number, extra = ''): void {
    const frac = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = frac > 0 ? (elapsed / frac) * (1 - frac) : 0;
    const text = `${this.label} ${done}/${this.total} ${(frac * 100).toFixed(0).padStart(3)}% ${elapsed.toFixed(1)}s elapsed, ETA ${eta.toFixed(1)}s ${extra}`;
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round(frac * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      if (done >= this.total) this.out.write('\n');
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(`${text}\n`);
    }
  }
}
