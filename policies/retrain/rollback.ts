/**
 * Watching a promoted model: the champion it replaced keeps deciding in the shadow, and the new
 * champion's per-decision P&L is compared with the old one's over a rolling window. When the new
 * one falls behind by more than `margin` (a fraction of equity summed over the window), the old one
 * is restored. The watch ends, the promotion confirmed, after `watchDecisions`.
 * @module
 */

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
}

/** What a watched decision concluded. */
export type RollbackVerdict =
  | { readonly decision: "watch" | "confirm"; readonly n: number }
  | { readonly decision: "rollback"; readonly n: number; readonly why: string };

/** The watch over one promotion; see the module documentation. */
export class RollbackWatch {
  readonly options: RollbackOptions;
  readonly #diffs: Float64Array;
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
    this.options = options;
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
      return {
        decision: "rollback",
        n,
        why: `behind the previous champion by ${(-this.#sum).toExponential(3)} over the last ` +
          `${window} decisions (margin ${margin})`,
      };
    }
    return { decision: n >= watchDecisions ? "confirm" : "watch", n };
  }
}
