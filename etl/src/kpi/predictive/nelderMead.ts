/**
 * Nelder–Mead simplex minimisation (the standard coefficients: reflection 1, expansion 2,
 * contraction 0.5, shrink 0.5). npm's `fmin` has one, but it is unmaintained and untyped; the
 * method is short enough to keep here with its own tests.
 */
export interface NelderMeadOptions {
  maxIterations?: number;
  /** Stop when the simplex's function values differ by less than this. */
  tolerance?: number;
  /** Size of the initial simplex step per coordinate (relative to |x0|, or absolute when x0 is 0). */
  step?: number;
}

export interface NelderMeadResult {
  x: number[];
  fx: number;
  iterations: number;
  converged: boolean;
}

export function nelderMead(f: (x: number[]) => number, x0: number[], opts: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  const maxIt = opts.maxIterations ?? 2000 * n;
  const tol = opts.tolerance ?? 1e-10;
  const step = opts.step ?? 0.1;
  // Non-finite values (a parameter outside the model's domain) rank last.
  const val = (x: number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let simplex: Array<{ x: number[]; fx: number }> = [{ x: [...x0], fx: val(x0) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = x[i] !== 0 ? x[i]! * (1 + step) : step;
    simplex.push({ x, fx: val(x) });
  }
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i]! - ai));
  let it = 0;
  for (; it < maxIt; it++) {
    simplex.sort((p, q) => p.fx - q.fx);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.fx - best.fx) <= tol * (Math.abs(best.fx) + tol)) return { x: best.x, fx: best.fx, iterations: it, converged: true };
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;
    const reflected = combine(centroid, worst.x, -1);
    const fr = val(reflected);
    if (fr < best.fx) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = val(expanded);
      simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
    } else if (fr < simplex[n - 1]!.fx) {
      simplex[n] = { x: reflected, fx: fr };
    } else {
      const outside = fr < worst.fx;
      const contracted = combine(centroid, outside ? reflected : worst.x, 0.5);
      const fc = val(contracted);
      if (fc < (outside ? fr : worst.fx)) simplex[n] = { x: contracted, fx: fc };
      else simplex = simplex.map((p, i) => (i === 0 ? p : { x: combine(best.x, p.x, 0.5), fx: val(combine(best.x, p.x, 0.5)) }));
    }
  }
  simplex.sort((p, q) => p.fx - q.fx);
  return { x: simplex[0]!.x, fx: simplex[0]!.fx, iterations: it, converged: false };
}
