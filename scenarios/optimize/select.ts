/**
 * Choosing parameters out of sample, and saying how far to trust the choice. Pure: it takes the
 * scores of every combination in every fold and returns what `deno task optimize` prints.
 *
 * In each walk-forward fold the combination with the best in-sample score (over the fold's
 * training rows) is chosen; its score on the fold's test block, which the choice never saw, is
 * the out-of-sample score. The mean in-sample score of the chosen ones against their mean
 * out-of-sample score is the overfitting gap; where the chosen combination ranked among the
 * combinations out of sample says the same another way (when the in-sample best is in the bottom
 * half out of sample in most folds, the search has fitted noise — the idea behind Bailey and
 * López de Prado's probability of backtest overfitting). The parameters to use are the ones the
 * last fold chose: chosen on the most data, and scored out of sample like the others.
 *
 * @example
 * ```ts
 * import { summarize } from "./select.ts";
 * // Two combinations, two folds: A is better in sample both times, B out of sample.
 * const s = summarize([
 *   { full: 1, folds: [{ is: 2, oos: -1 }, { is: 2, oos: -1 }] },
 *   { full: 0, folds: [{ is: 1, oos: 1 }, { is: 1, oos: 1 }] },
 * ]);
 * if (s.folds[0].chosen !== 0 || s.folds[0].oos !== -1) throw new Error("unreachable");
 * if (s.belowMedian !== 2 || s.warning === null) throw new Error("unreachable");
 * ```
 * @module
 */
import { better } from "./windows.ts";

/** A combination's scores (higher better, null undefined): over the whole run and per fold. */
export interface ComboScores {
  readonly full: number | null;
  readonly folds: readonly { readonly is: number | null; readonly oos: number | null }[];
}

/** What one fold chose. */
export interface FoldChoice {
  readonly index: number;
  /** The chosen combination's index. */
  readonly chosen: number;
  readonly is: number | null;
  readonly oos: number | null;
  /** The chosen combination's rank out of sample among all, 1 the best. */
  readonly oosRank: number;
}

/** The outcome of a search. */
export interface Selection {
  readonly folds: readonly FoldChoice[];
  /** Mean in-sample score of the chosen combinations (null if none was defined). */
  readonly isMean: number | null;
  /** Mean out-of-sample score of the chosen combinations. */
  readonly oosMean: number | null;
  /** Folds whose chosen combination ranked in the bottom half out of sample. */
  readonly belowMedian: number;
  /** The combination to use: the last fold's choice. */
  readonly recommended: number;
  /** Set when the choice looks overfitted; says why, with the figures. */
  readonly warning: string | null;
}

/**
 * The in-sample score may exceed the out-of-sample one by this share of its size before the
 * choice is called overfitted (some decay out of sample is normal).
 */
export const GAP_TOLERANCE = 0.5;

/** The mean of the defined scores (null when none is). */
export function meanScore(xs: readonly (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/** The 1-based rank of `scores[k]` among `scores`, ties sharing the better rank. */
function rankOf(scores: readonly (number | null)[], k: number): number {
  let rank = 1;
  for (let i = 0; i < scores.length; i++) if (better(scores[i], scores[k])) rank++;
  return rank;
}

/** Chooses per fold and sums up; see the module documentation. `combos` must not be empty. */
export function summarize(combos: readonly ComboScores[], metric = "score"): Selection {
  if (combos.length === 0) throw new RangeError("summarize: no combination to choose from");
  const nFolds = combos[0].folds.length;
  const folds: FoldChoice[] = [];
  for (let f = 0; f < nFolds; f++) {
    let chosen = 0;
    for (let i = 1; i < combos.length; i++) {
      if (better(combos[i].folds[f].is, combos[chosen].folds[f].is)) chosen = i;
    }
    const oos = combos.map((c) => c.folds[f].oos);
    folds.push({
      index: f,
      chosen,
      is: combos[chosen].folds[f].is,
      oos: oos[chosen],
      oosRank: rankOf(oos, chosen),
    });
  }
  const isMean = meanScore(folds.map((f) => f.is));
  const oosMean = meanScore(folds.map((f) => f.oos));
  const belowMedian = folds.filter((f) => f.oosRank > Math.ceil(combos.length / 2)).length;
  return {
    folds,
    isMean,
    oosMean,
    belowMedian,
    recommended: folds.length === 0 ? 0 : folds[folds.length - 1].chosen,
    warning: overfitWarning(isMean, oosMean, belowMedian, folds.length, combos.length, metric),
  };
}

function overfitWarning(
  isMean: number | null,
  oosMean: number | null,
  belowMedian: number,
  nFolds: number,
  nCombos: number,
  metric: string,
): string | null {
  if (nFolds === 0 || nCombos < 2) return null;
  const why: string[] = [];
  if (isMean !== null && oosMean === null) {
    why.push(`the chosen parameters have no out-of-sample ${metric} (no trade, no variance)`);
  } else if (isMean !== null && oosMean !== null) {
    const gap = isMean - oosMean;
    if (gap > GAP_TOLERANCE * Math.abs(isMean) && gap > 1e-12) {
      why.push(
        `out-of-sample ${metric} ${fmt(oosMean)} against ${fmt(isMean)} in sample ` +
          `(gap ${fmt(gap)})`,
      );
    }
  }
  if (belowMedian * 2 > nFolds) {
    why.push(
      `in ${belowMedian} of ${nFolds} folds the in-sample best ranked in the bottom half out of sample`,
    );
  }
  return why.length === 0 ? null : `likely overfitted: ${why.join("; ")}`;
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}
