/**
 * Student's two-sample t-test with pooled variance, for the canary judgement when there are too
 * few appliances for a rank test to say anything (one canary against a handful of baseline
 * appliances: no arrangement of ranks reaches p < 0.01). With one canary it is Crawford and
 * Howell's (1998) test of a single case against a small control sample:
 *   t = (x - mean_b) / (s_b * sqrt(1 + 1/n_b)), df = n_b - 1.
 * Two-sided p from the t distribution: p = I_{df/(df+t^2)}(df/2, 1/2), the regularized incomplete
 * beta function by its continued fraction (Lentz), as in Numerical Recipes' betai.
 */

export interface TTestResult {
  t: number;
  df: number;
  /** Two-sided p-value; 1 when it cannot be computed (df < 1, or nothing varies and nothing differs). */
  p: number;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9): relative error below 1e-15 for x > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaCf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaCf(a, b, x)) / a : 1 - (front * betaCf(b, a, 1 - x)) / b;
}

/** Two-sided p of Student's t with df degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, incompleteBeta(df / (df + t * t), df / 2, 0.5));
}

/** Pooled-variance two-sample t-test of x against y (t > 0: x is larger). */
export function pooledTTest(x: readonly number[], y: readonly number[]): TTestResult {
  const nx = x.length;
  const ny = y.length;
  const df = nx + ny - 2;
  if (nx === 0 || ny === 0 || df < 1) return { t: 0, df: Math.max(df, 0), p: 1 };
  const mean = (v: readonly number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  const ss = (v: readonly number[], m: number) => v.reduce((s, a) => s + (a - m) ** 2, 0);
  const pooled = (ss(x, mx) + ss(y, my)) / df;
  const se = Math.sqrt(pooled * (1 / nx + 1 / ny));
  const diff = mx - my;
  if (se === 0) return diff === 0 ? { t: 0, df, p: 1 } : { t: Math.sign(diff) * Number.POSITIVE_INFINITY, df, p: 0 };
  const t = diff / se;
  return { t, df, p: studentTwoSidedP(t, df) };
}
