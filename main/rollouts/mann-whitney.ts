/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), as Kayenta's canary judge uses it: do two samples
 * come from the same distribution, or does one tend to be larger?
 *
 *  - U of sample x is the number of pairs (x_i, y_j) with x_i > y_j, ties counting one half; U_x +
 *    U_y = n_x * n_y. Computed from mid-ranks of the pooled sample.
 *  - p (two-sided): exact from the distribution of U when both samples are small (n_x, n_y <= 20)
 *    and there are no ties; otherwise the normal approximation with the tie correction of the
 *    variance and a continuity correction of 0.5.
 */

export interface MannWhitneyResult {
  /** U of the first sample (pairs where it is larger, ties counting half). */
  u: number;
  /** U of the second sample (nx * ny - u). */
  uOther: number;
  /** The smaller of the two (what tables list). */
  uMin: number;
  /** Normal approximation z of u (tie- and continuity-corrected); 0 when every value ties. */
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** Whether p came from the exact distribution. */
  exact: boolean;
}

/** Mid-ranks (1-based) of values; ties share the mean of their ranks. Also the tie groups' sizes. */
export function midRanks(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  let k = 0;
  while (k < order.length) {
    let end = k;
    while (end + 1 < order.length && order[end + 1]!.v === order[k]!.v) end++;
    const rank = (k + end + 2) / 2;
    for (let j = k; j <= end; j++) ranks[order[j]!.i] = rank;
    if (end > k) ties.push(end - k + 1);
    k = end + 1;
  }
  return { ranks, ties };
}

/** erfc(x) (Numerical Recipes' erfcc: fractional error below 1.2e-7 everywhere, so tails stay accurate). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal cumulative distribution. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Counts of each U value (0..nx*ny) over all C(nx+ny, nx) ways to rank two samples without ties
 * (the recurrence f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u)).
 */
function exactUCounts(nx: number, ny: number): number[] {
  // table[n][u] for the current m, built up over m.
  let prev: number[][] = Array.from({ length: ny + 1 }, () => [1]);
  for (let m = 1; m <= nx; m++) {
    const cur: number[][] = [];
    cur[0] = [1];
    for (let n = 1; n <= ny; n++) {
      const size = m * n + 1;
      const row = new Array<number>(size).fill(0);
      const a = prev[n]!; // f(m-1, n, u - n)
      const b = cur[n - 1]!; // f(m, n-1, u)
      for (let u = 0; u < size; u++) row[u] = (u - n >= 0 && u - n < a.length ? a[u - n]! : 0) + (u < b.length ? b[u]! : 0);
      cur[n] = row;
    }
    prev = cur;
  }
  return prev[ny]!;
}

const EXACT_MAX = 20;

export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const nx = x.length;
  const ny = y.length;
  if (nx === 0 || ny === 0) throw new Error('Mann-Whitney U needs two non-empty samples');
  const { ranks, ties } = midRanks([...x, ...y]);
  let rx = 0;
  for (let i = 0; i < nx; i++) rx += ranks[i]!;
  const u = rx - (nx * (nx + 1)) / 2;
  const uOther = nx * ny - u;
  const uMin = Math.min(u, uOther);
  const n = nx + ny;
  const mean = (nx * ny) / 2;
  const tieTerm = ties.reduce((s, t) => s + (t * t * t - t), 0);
  const variance = ((nx * ny) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const diff = u - mean;
  const z = variance > 0 ? (diff === 0 ? 0 : (Math.sign(diff) * Math.max(Math.abs(diff) - 0.5, 0)) / Math.sqrt(variance)) : 0;
  if (ties.length === 0 && nx <= EXACT_MAX && ny <= EXACT_MAX) {
    const counts = exactUCounts(nx, ny);
    const total = counts.reduce((s, c) => s + c, 0);
    let tail = 0;
    for (let k = 0; k <= Math.floor(uMin); k++) tail += counts[k]!;
    return { u, uOther, uMin, z, p: Math.min(1, (2 * tail) / total), exact: true };
  }
  const p = variance > 0 ? Math.min(1, 2 * normalCdf(-Math.abs(z))) : 1;
  return { u, uOther, uMin, z, p, exact: false };
}
