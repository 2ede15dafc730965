/**
 * Reward functions of the RL environment, pluggable: a {@linkcode Reward} turns what one step did
 * to the account ({@linkcode StepOutcome}) into a number. Built in:
 *
 * - **P&L**: the change in equity as a fraction of the episode's starting equity, times `scale`.
 * - **Differential Sharpe ratio** (Moody & Saffell, 1998): the first-order effect of this step's
 *   return R_t on an exponentially weighted Sharpe ratio with rate η. With A and B the moving
 *   averages of R and R², ΔA = R_t − A, ΔB = R_t² − B:
 *   D_t = (B·ΔA − ½·A·ΔB) / (B − A²)^{3/2}, then A += η·ΔA, B += η·ΔB.
 *   D_t is 0 while B − A² is not yet positive (the first steps). Times `scale`.
 *
 * Either can carry penalties ({@linkcode RewardSpec}): `drawdownPenalty` × the increase of the
 * drawdown from the episode's peak equity (a fraction) in this step, and `costPenalty` × the
 * step's trading cost (fees plus execution price versus the mid at decision time) as a fraction
 * of the starting equity.
 *
 * @example
 * ```ts
 * import { makeReward } from "./rewards.ts";
 * const r = makeReward({ kind: "pnl", costPenalty: 1 });
 * r.reset();
 * const v = r.reward({ equity: 1_010, prevEquity: 1_000, initialEquity: 1_000, peakEquity: 1_010, cost: 2 });
 * // 10/1000 of P&L, minus 2/1000 of cost
 * if (Math.abs(v - 0.008) > 1e-12) throw new Error("unreachable");
 * ```
 * @module
 */

/** What one step did to the account, in notional units. */
export interface StepOutcome {
  /** Equity (cash + position at the mid) after the step. */
  readonly equity: number;
  /** Equity before the step. */
  readonly prevEquity: number;
  /** Equity when the episode started. */
  readonly initialEquity: number;
  /** Highest equity of the episode so far, this step included. */
  readonly peakEquity: number;
  /** Trading cost of this step: fees plus what the fills cost beyond the decision-time mid. */
  readonly cost: number;
}

/** A reward function; `reset` is called at the start of every episode. */
export interface Reward {
  readonly name: string;
  reset(): void;
  reward(o: StepOutcome): number;
}

/** A built-in reward as data (as a scenario or a training run would give it). */
export interface RewardSpec {
  readonly kind: "pnl" | "sharpe";
  /** Multiplies the base reward. Default 1. */
  readonly scale?: number;
  /** Rate of the differential Sharpe ratio's moving averages, in (0, 1). Default 0.01. */
  readonly eta?: number;
  /** Weight of the drawdown increase. Default 0. */
  readonly drawdownPenalty?: number;
  /** Weight of the trading cost. Default 0. */
  readonly costPenalty?: number;
}

/** Thrown for a reward spec that is not usable; the message names the field. */
export class RewardError extends RangeError {
  override name = "RewardError";
}

/** The P&L reward: Δequity / starting equity × `scale`. */
export class PnlReward implements Reward {
  readonly name = "pnl";
  constructor(readonly scale = 1) {}
  reset(): void {}
  reward(o: StepOutcome): number {
    return this.scale * (o.equity - o.prevEquity) / o.initialEquity;
  }
}

/** The differential Sharpe ratio of the step's return; see the module documentation. */
export class DifferentialSharpe implements Reward {
  readonly name = "sharpe";
  #a = 0;
  #b = 0;
  constructor(readonly eta = 0.01, readonly scale = 1) {}
  reset(): void {
    this.#a = 0;
    this.#b = 0;
  }
  reward(o: StepOutcome): number {
    const r = o.prevEquity > 0 ? (o.equity - o.prevEquity) / o.prevEquity : 0;
    const a = this.#a, b = this.#b;
    const da = r - a, db = r * r - b;
    const variance = b - a * a;
    const d = variance > 1e-18 ? (b * da - 0.5 * a * db) / (variance * Math.sqrt(variance)) : 0;
    this.#a = a + this.eta * da;
    this.#b = b + this.eta * db;
    return this.scale * d;
  }
}

/** A base reward minus drawdown and cost penalties; see the module documentation. */
export class PenalisedReward implements Reward {
  readonly name: string;
  #lastDrawdown = 0;
  constructor(
    readonly base: Reward,
    readonly drawdownPenalty: number,
    readonly costPenalty: number,
  ) {
    this.name = `${base.name}-penalised`;
  }
  reset(): void {
    this.base.reset();
    this.#lastDrawdown = 0;
  }
  reward(o: StepOutcome): number {
    const dd = o.peakEquity > 0 ? (o.peakEquity - o.equity) / o.peakEquity : 0;
    const worse = dd > this.#lastDrawdown ? dd - this.#lastDrawdown : 0;
    this.#lastDrawdown = dd;
    return this.base.reward(o) - this.drawdownPenalty * worse -
      this.costPenalty * o.cost / o.initialEquity;
  }
}

/** Builds a built-in reward from its spec (validated; errors name the field). */
export function makeReward(spec: RewardSpec): Reward {
  const num = (v: number | undefined, d: number, field: string, ok: (x: number) => boolean) => {
    const x = v ?? d;
    if (!Number.isFinite(x) || !ok(x)) throw new RewardError(`reward.${field}: got ${v}`);
    return x;
  };
  const scale = num(spec.scale, 1, "scale", (x) => x > 0);
  const dd = num(spec.drawdownPenalty, 0, "drawdownPenalty", (x) => x >= 0);
  const cost = num(spec.costPenalty, 0, "costPenalty", (x) => x >= 0);
  let base: Reward;
  if (spec.kind === "pnl") base = new PnlReward(scale);
  else if (spec.kind === "sharpe") {
    base = new DifferentialSharpe(num(spec.eta, 0.01, "eta", (x) => x > 0 && x < 1), scale);
  } else {
    throw new RewardError(
      `reward.kind: expected "pnl" or "sharpe", got ${JSON.stringify(spec.kind)}`,
    );
  }
  return dd === 0 && cost === 0 ? base : new PenalisedReward(base, dd, cost);
}
