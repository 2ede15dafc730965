/**
 * Watching a promoted model: the champion it replaced keeps deciding in the shadow, and the new
 * champion's per-decision P&L is compared with the old one's over a rolling window. When the new
 * one falls behind by more than `margin` (a fraction of equity summed over the window), the old one
 * is restored — when the paired test on that window (as for shadow evaluation, in blocks) also
 * says it is worse at `alpha`, so that noise in a volatile market does not undo a sound promotion.
 * The watch ends, the promotion confirmed, after `watchDecisions`.
 * @module
 */

import { pairedTest } from "./paired.ts";

/** Thrown for a bad setting or a non-finite P&L. */
export class RollbackError extends RangeError {
  override name = "RollbackError";
}

/** Settings of a {@linkcode RollbackWatch}. */
export interface RollbackOptions {
  /** Decisions the comparison sums over. */
  readonly window: number;
  /** How far behind, summed over the window (fraction of equity), triggers the rollback. */
  readonly margin: number;
  /** Decisions after which the promotion stands and the watch ends. */
  readonly watchDecisions: number;
  /** The paired test's level (default 0.05). */
  readonly alpha?: number;
  /** Decisions per block of the paired test (default 10, at most half the window). */
  readonly block?: number;
}

/** What a watched decision concluded. */
export type RollbackVerdict =
  | { readonly decision: "watch" | "confirm"; readonly n: number }
  | { readonly decision: "rollback"; readonly n: number; readonly why: string };

/** The watch over one promotion; see the module documentation. */
export class RollbackWatch {
  readonly options: RollbackOptions;
  readonly #diffs: Float64Array;
  readonly #alpha: number;
  readonly #block: number;
  #n = 0;
  #sum = 0;

  /** A watch; a bad option is a {@linkcode RollbackError} naming it. */
  constructor(options: RollbackOptions) {
    const { window, margin, watchDecisions } = options;
    if (!Number.isInteger(window) || window < 1) {
      throw new RollbackError(`window: expected an integer ≥ 1, got ${window}`);
    }
    if (!(margin > 0 && Number.isFinite(margin))) {
      throw new RollbackError(`margin: expected a positive fraction of equity, got ${margin}`);
    }
    if (!Number.isInteger(watchDecisions) || watchDecisions < window) {
      throw new RollbackError(
        `watchDecisions: expected an integer ≥ window, got ${watchDecisions}`,
      );
    }
    const { alpha = 0.05, block = Math.max(1, Math.min(10, Math.floor(window / 2))) } = options;
    if (!(alpha > 0 && alpha < 0.5)) {
      throw new RollbackError(`alpha: expected 0 < alpha < 0.5, got ${alpha}`);
    }
    if (!Number.isInteger(block) || block < 1 || 2 * block > window) {
      throw new RollbackError(`block: expected an integer 1..window/2, got ${block}`);
    }
    this.options = options;
    this.#alpha = alpha;
    this.#block = block;
    this.#diffs = new Float64Array(window);
  }

  /** Decisions watched so far. */
  get decisions(): number {
    return this.#n;
  }

  /**
   * One decision: the new champion's P&L and the old one's in the shadow. Rolls back once a full
   * window sums more than the margin behind; confirms after `watchDecisions`.
   */
  observe(championPnl: number, previousPnl: number): RollbackVerdict {
    if (!Number.isFinite(championPnl) || !Number.isFinite(previousPnl)) {
      throw new RollbackError(`pnl: expected finite numbers, got ${championPnl}, ${previousPnl}`);
    }
    const { window, margin, watchDecisions } = this.options;
    const slot = this.#n % window;
    const d = championPnl - previousPnl;
    this.#sum += d - this.#diffs[slot];
    this.#diffs[slot] = d;
    const n = ++this.#n;
    if (n >= window && this.#sum < -margin) {
      // The window oldest first.
      const slot0 = n % window;
      const ordered = [...this.#diffs.subarray(slot0), ...this.#diffs.subarray(0, slot0)];
      const test = pairedTest(ordered, this.#block);
      if (test.pWorse < this.#alpha) {
        return {
          decision: "rollback",
          n,
          why: `behind the previous champion by ${(-this.#sum).toExponential(3)} over the last ` +
            `${window} decisions (margin ${margin}; t ${test.t.toFixed(2)}, p ${
              test.pWorse.toExponential(2)
            })`,
        };
      }
    }
    return { decision: n >= watchDecisions ? "confirm" : "watch", n };
  }

  /** The watch as plain data, for a checkpoint. */
  toState(): RollbackWatchState {
    return { diffs: Array.from(this.#diffs), n: this.#n, sum: this.#sum };
  }

  /** A watch with `options` resumed from {@linkcode RollbackWatch.toState}'s data. */
  static fromState(options: RollbackOptions, state: RollbackWatchState): RollbackWatch {
    const w = new RollbackWatch(options);
    w.#diffs.set(state.diffs);
    w.#n = state.n;
    w.#sum = state.sum;
    return w;
  }
}

/** A {@linkcode RollbackWatch} as plain data. */
export interface RollbackWatchState {
  readonly diffs: readonly number[];
  readonly n: number;
  readonly sum: number;
}
