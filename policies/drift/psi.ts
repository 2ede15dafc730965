/**
 * Feature drift by the Population Stability Index: how far the distribution of a feature now is
 * from the one a model was trained on.
 *
 * - The training window's values are cut into `bins` buckets at its own quantiles (deciles by
 *   default), so each holds about the same share of the reference; two more buckets hold what
 *   falls below its least value and above its greatest (a share of 0 in the reference), so a
 *   value never seen in training counts — a feature constant in training that moves is a major
 *   shift.
 * - PSI = Σ (actualᵢ − expectedᵢ) · ln(actualᵢ / expectedᵢ) over the buckets, each share floored at
 *   `epsilon` so that an empty bucket is a large term, not an infinite one.
 * - The usual reading: below 0.1 stable, 0.1–0.25 a moderate shift, 0.25 and over a major shift
 *   ({@linkcode psiLevel}).
 *
 * {@linkcode PsiReference} keeps the edges and shares of every feature of a training window, so
 * checking a recent window costs one pass over it.
 *
 * @example
 * ```ts
 * import { PsiReference } from "./psi.ts";
 * const train = Array.from({ length: 1_000 }, (_, i) => [i % 100]);
 * const ref = PsiReference.fit(["x"], train);
 * const same = ref.check(Array.from({ length: 500 }, (_, i) => [(i * 7) % 100]));
 * const moved = ref.check(Array.from({ length: 500 }, (_, i) => [50 + (i % 100)]));
 * if (same[0].level !== "stable" || moved[0].level !== "major") throw new Error("unreachable");
 * ```
 * @module
 */

/** How far a feature has moved: PSI < 0.1, < 0.25, or more. */
export type PsiLevel = "stable" | "moderate" | "major";

/** The PSI thresholds: 0.1 (moderate) and 0.25 (major). */
export const PSI_MODERATE = 0.1;
export const PSI_MAJOR = 0.25;

/** The level of a PSI value. */
export function psiLevel(psi: number): PsiLevel {
  return psi >= PSI_MAJOR ? "major" : psi >= PSI_MODERATE ? "moderate" : "stable";
}

/** A window that cannot be used: empty, ragged, or with a value that is not a finite number. */
export class DriftInputError extends RangeError {
  override name = "DriftInputError";
}

/** One feature's drift. */
export interface FeatureDrift {
  readonly feature: string;
  readonly psi: number;
  readonly level: PsiLevel;
}

/** Options of {@linkcode PsiReference.fit}. */
export interface PsiOptions {
  /** Buckets (default 10: deciles of the reference). */
  readonly bins?: number;
  /** The floor of a bucket's share (default 1e-4). */
  readonly epsilon?: number;
}

/** A {@linkcode PsiReference} as plain data. */
export interface PsiReferenceState {
  readonly features: readonly string[];
  readonly refs: readonly {
    readonly edges: readonly number[];
    readonly expected: readonly number[];
  }[];
  readonly epsilon: number;
}

/** One feature's reference: the inner bucket edges and each bucket's share. */
interface Reference {
  readonly edges: Float64Array;
  readonly expected: Float64Array;
}

/** The reference distributions of a training window's features; see the module documentation. */
export class PsiReference {
  private constructor(
    readonly features: readonly string[],
    readonly refs: readonly Reference[],
    readonly epsilon: number,
  ) {}

  /** The reference of `rows` (one value per feature, in `features`' order). */
  static fit(
    features: readonly string[],
    rows: readonly (readonly number[])[],
    options: PsiOptions = {},
  ): PsiReference {
    const bins = options.bins ?? 10;
    if (!Number.isInteger(bins) || bins < 2 || bins > 1_000) {
      throw new DriftInputError(`bins: expected an integer in [2, 1000], got ${bins}`);
    }
    const epsilon = options.epsilon ?? 1e-4;
    const columns = columnsOf(features, rows, "reference");
    const refs = columns.map((col) => {
      const sorted = Float64Array.from(col).sort();
      const max = sorted[sorted.length - 1];
      const cuts: number[] = [sorted[0]];
      const add = (cut: number) => {
        // A value repeated across a quantile gives one edge, not several empty buckets.
        if (cut > cuts[cuts.length - 1]) cuts.push(cut);
      };
      for (let b = 1; b < bins; b++) add(sorted[Math.floor((b * sorted.length) / bins)]);
      // The least number above the greatest value: the top bucket holds only values above it.
      add(max + Math.max(Math.abs(max) * Number.EPSILON, Number.MIN_VALUE));
      const edges = Float64Array.from(cuts);
      return { edges, expected: shares(col, edges) };
    });
    return new PsiReference(features, refs, epsilon);
  }

  /** The reference as plain data, for a checkpoint. */
  toState(): PsiReferenceState {
    return {
      features: [...this.features],
      refs: this.refs.map((r) => ({
        edges: Array.from(r.edges),
        expected: Array.from(r.expected),
      })),
      epsilon: this.epsilon,
    };
  }

  /** The reference {@linkcode PsiReference.toState} gave. */
  static fromState(state: PsiReferenceState): PsiReference {
    const refs = state.refs.map((r) => ({
      edges: Float64Array.from(r.edges),
      expected: Float64Array.from(r.expected),
    }));
    return new PsiReference([...state.features], refs, state.epsilon);
  }

  /** Each feature's PSI of `rows` against the reference. */
  check(rows: readonly (readonly number[])[]): FeatureDrift[] {
    const columns = columnsOf(this.features, rows, "window");
    return columns.map((col, f) => {
      const { edges, expected } = this.refs[f];
      const actual = shares(col, edges);
      let psi = 0;
      for (let b = 0; b < expected.length; b++) {
        const e = Math.max(expected[b], this.epsilon);
        const a = Math.max(actual[b], this.epsilon);
        psi += (a - e) * Math.log(a / e);
      }
      return { feature: this.features[f], psi, level: psiLevel(psi) };
    });
  }
}

/** The share of `values` in each bucket: below edges[0], …, at or above the last edge. */
function shares(values: readonly number[], edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (const v of values) {
    // The first edge above v: buckets are [edge[i-1], edge[i]).
    let lo = 0, hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]++;
  }
  for (let i = 0; i < counts.length; i++) counts[i] /= values.length;
  return counts;
}

function columnsOf(
  features: readonly string[],
  rows: readonly (readonly number[])[],
  what: string,
): number[][] {
  if (features.length === 0) throw new DriftInputError(`${what}: no features`);
  if (rows.length === 0) throw new DriftInputError(`${what}: no rows`);
  const columns = features.map(() => new Array<number>(rows.length));
  rows.forEach((row, r) => {
    if (row.length !== features.length) {
      throw new DriftInputError(
        `${what}: row ${r} has ${row.length} values, expected ${features.length}`,
      );
    }
    row.forEach((v, f) => {
      if (!Number.isFinite(v)) {
        throw new DriftInputError(`${what}: row ${r}, ${features[f]}: ${v} is not a finite number`);
      }
      columns[f][r] = v;
    });
  });
  return columns;
}
