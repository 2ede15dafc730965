/**
 * The paired test that decides a shadow evaluation: per decision, the challenger's advantage over
 * the champion on the same market (its P&L minus the champion's, or the champion's loss minus its
 * own). Consecutive advantages are not independent — a position held over several bars earns
 * correlated returns — so they are averaged in non-overlapping blocks first (batch means) and the
 * one-sided Student's t test runs on the block means.
 *
 * {@linkcode ShadowRule} turns the test into a verdict over a growing sample without peeking
 * freely: the test is looked at only at fixed checkpoints (every `minDecisions`, and at
 * `maxDecisions`), each at `alpha / checkpoints` (Bonferroni), so the chance of promoting a
 * challenger that is no better stays at most `alpha` however long the evaluation runs.
 * @module
 */

/** Thrown for bad test settings or a non-finite advantage. */
export class PairedTestError extends RangeError {
  override name = "PairedTestError";
}

/** The result of {@linkcode pairedTest}. */
export interface PairedResult {
  /** Paired observations (advantages). */
  readonly n: number;
  /** Blocks the test ran on (`floor(n / block)`). */
  readonly blocks: number;
  /** The mean advantage per observation (over the blocks used). */
  readonly mean: number;
  /** The t statistic of the block means (0 when they do not vary and average 0). */
  readonly t: number;
  /** P(T ≥ t) under "no advantage": small when the challenger is better. */
  readonly pBetter: number;
  /** P(T ≤ t) under "no advantage": small when the challenger is worse. */
  readonly pWorse: number;
}

/**
 * The one-sided paired t test of `advantages` (challenger minus champion, per decision) in blocks
 * of `block` consecutive observations; a trailing partial block is left out. Needs at least two
 * blocks.
 */
export function pairedTest(advantages: ArrayLike<number>, block = 1): PairedResult {
  if (!Number.isInteger(block) || block < 1) {
    throw new PairedTestError(`block: expected an integer ≥ 1, got ${block}`);
  }
  const n = advantages.length;
  const k = Math.floor(n / block);
  if (k < 2) {
    throw new PairedTestError(`advantages: need at least 2 blocks of ${block}, got ${n} values`);
  }
  const means = new Float64Array(k);
  for (let b = 0; b < k; b++) {
    let s = 0;
    for (let i = b * block; i < (b + 1) * block; i++) {
      const v = advantages[i];
      if (!Number.isFinite(v)) {
        throw new PairedTestError(`advantages[${i}]: expected a finite number, got ${v}`);
      }
      s += v;
    }
    means[b] = s / block;
  }
  let mean = 0;
  for (const m of means) mean += m;
  mean /= k;
  let ss = 0;
  for (const m of means) ss += (m - mean) ** 2;
  const se = Math.sqrt(ss / (k - 1) / k);
  const t = se > 0 ? mean / se : mean === 0 ? 0 : Math.sign(mean) * Infinity;
  const upper = studentTUpper(t, k - 1);
  return { n, blocks: k, mean, t, pBetter: upper, pWorse: 1 - upper };
}

/** P(T ≥ t) for Student's t with `df` degrees of freedom. */
export function studentTUpper(t: number, df: number): number {
  if (!(df > 0)) throw new PairedTestError(`df: expected > 0, got ${df}`);
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  if (Number.isNaN(t)) throw new PairedTestError("t: expected a number, got NaN");
  // P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2).
  const tail = incompleteBeta(df / (df + t * t), df / 2, 0.5) / 2;
  return t >= 0 ? tail : 1 - tail;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients; ~15 significant digits). */
function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0];
  const g = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(g) - g + Math.log(a);
}

/** The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  );
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = -((a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return (front * f) / a;
}

/** When a shadow evaluation decides; see the module documentation. */
export interface ShadowRuleOptions {
  /** Decisions before the first look, and between looks. */
  readonly minDecisions: number;
  /** The last look: a challenger not shown better by then is discarded. */
  readonly maxDecisions: number;
  /** The overall chance of promoting a challenger that is no better (default 0.05). */
  readonly alpha?: number;
  /** Consecutive decisions averaged into one observation (default 10). */
  readonly block?: number;
}

/** What a look at the evidence decided, with the test's figures when it ran. */
export type ShadowVerdict =
  | { readonly decision: "continue"; readonly n: number }
  | {
    readonly decision: "promote" | "discard";
    readonly n: number;
    readonly why: string;
    readonly test: PairedResult;
  };

/** The sequential decision of a shadow evaluation; see the module documentation. */
export class ShadowRule {
  readonly minDecisions: number;
  readonly maxDecisions: number;
  readonly alpha: number;
  readonly block: number;
  /** Looks the evaluation may take: every `minDecisions`, and at `maxDecisions`. */
  readonly looks: number;

  /** A rule; a bad option is a {@linkcode PairedTestError} naming it. */
  constructor(options: ShadowRuleOptions) {
    const { minDecisions, maxDecisions, alpha = 0.05, block = 10 } = options;
    const int = (name: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min) {
        throw new PairedTestError(`${name}: expected an integer ≥ ${min}, got ${v}`);
      }
    };
    int("block", block, 1);
    int("minDecisions", minDecisions, 2 * block);
    int("maxDecisions", maxDecisions, minDecisions);
    if (!(alpha > 0 && alpha < 0.5)) {
      throw new PairedTestError(`alpha: expected 0 < alpha < 0.5, got ${alpha}`);
    }
    this.minDecisions = minDecisions;
    this.maxDecisions = maxDecisions;
    this.alpha = alpha;
    this.block = block;
    this.looks = Math.ceil(maxDecisions / minDecisions);
  }

  /**
   * The verdict on `advantages` so far (challenger minus champion, one per decision): promote
   * when the challenger is better at a look, discard when it is worse at a look or not shown
   * better at the last one, else continue.
   */
  verdict(advantages: ArrayLike<number>): ShadowVerdict {
    const n = advantages.length;
    const last = this.maxDecisions;
    if (n < this.minDecisions || (n % this.minDecisions !== 0 && n < last)) {
      return { decision: "continue", n };
    }
    const test = pairedTest(advantages, this.block);
    const level = this.alpha / this.looks;
    const figures = `mean advantage ${test.mean.toExponential(3)}, t ${test.t.toFixed(2)}`;
    if (test.pBetter < level) {
      return {
        decision: "promote",
        n,
        why: `better over ${n} decisions: ${figures}, p ${test.pBetter.toExponential(2)} < ${
          level.toPrecision(3)
        }`,
        test,
      };
    }
    if (test.pWorse < level) {
      return {
        decision: "discard",
        n,
        why: `worse over ${n} decisions: ${figures}, p ${test.pWorse.toExponential(2)}`,
        test,
      };
    }
    if (n >= last) {
      return {
        decision: "discard",
        n,
        why: `not shown better in ${n} decisions: ${figures}, p ${test.pBetter.toFixed(3)}`,
        test,
      };
    }
    return { decision: "continue", n };
  }
}
