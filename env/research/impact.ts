/**
 * Price impact of metaorders, measured on the simulator: for each size, the same seeds run with
 * and without a metaorder (a `largeSeller` shock buying that many lots over a fixed window), and
 * the impact is the log difference of the two runs' mids averaged over the last part of the
 * window. Pairing the runs removes the fundamental's path (its random stream does not depend on
 * the orders), so what is left is the metaorder's doing. A power law fitted to impact against
 * size gives the exponent; the square-root law of real markets says about 0.5.
 *
 * @example
 * ```ts
 * import { measureImpact } from "./impact.ts";
 * const r = measureImpact({ sizes: [500, 4_000], seeds: 2, warmupMs: 300_000 });
 * if (r.points.length !== 2 || !(r.points[1].impact > 0)) throw new Error("unreachable");
 * ```
 * @module
 */
import { type SimConfigInput, Simulation } from "../sim/mod.ts";
import { fitPowerLaw } from "./stylized.ts";

/** Options of {@linkcode measureImpact}. */
export interface ImpactOptions {
  /** Metaorder sizes, lots. Default 500 … 16,000 doubling. */
  readonly sizes?: readonly number[];
  /** Seeds per size (1 … seeds). Default 8. */
  readonly seeds?: number;
  /** Market configuration (its seed and shocks are replaced). Default: the default market. */
  readonly config?: SimConfigInput;
  /** Time before the metaorder starts, ms. Default 30 minutes. */
  readonly warmupMs?: number;
  /** Execution window, ms. Default 10 minutes. */
  readonly durationMs?: number;
  /** One child order every this many ms. Default 1 s. */
  readonly childIntervalMs?: number;
  /** The mid is averaged over this last part of the window, ms. Default 60 s. */
  readonly tailMs?: number;
}

/** One size's result. */
export interface ImpactPoint {
  readonly qty: number;
  /** Mean lots actually bought per run. */
  readonly filled: number;
  /** Mean log price change caused by the metaorder. */
  readonly impact: number;
  /** Standard error of that mean over the seeds. */
  readonly stderr: number;
}

/** Measured impact per size and the fitted power law (over sizes with positive impact). */
export interface ImpactResult {
  readonly points: ImpactPoint[];
  readonly exponent: number;
  readonly r2: number;
}

/** Measures metaorder impact; see the module documentation. */
export function measureImpact(options: ImpactOptions = {}): ImpactResult {
  const sizes = options.sizes ?? [500, 1_000, 2_000, 4_000, 8_000, 16_000];
  const seeds = options.seeds ?? 8;
  const warmup = options.warmupMs ?? 1_800_000;
  const duration = options.durationMs ?? 600_000;
  const tail = Math.min(options.tailMs ?? 60_000, duration);
  const child = options.childIntervalMs ?? 1_000;

  const averageMid = (seed: number, qty: number): { mid: number; filled: number } => {
    const shocks = qty > 0
      ? [{
        kind: "largeSeller" as const,
        side: "buy" as const,
        qty,
        atMs: warmup,
        durationMs: duration,
        childIntervalMs: child,
      }]
      : [];
    const sim = new Simulation({ ...options.config, seed, shocks });
    sim.runFor(warmup + duration - tail);
    let sum = 0, n = 0;
    for (let t = 0; t < tail; t += 1_000) {
      sim.runFor(1_000);
      sum += Math.log(sim.venue.mid(0));
      n++;
    }
    const filled = qty > 0 ? sim.metaorders[0].filled : 0;
    return { mid: sum / n, filled };
  };

  const base = Array.from({ length: seeds }, (_, i) => averageMid(i + 1, 0).mid);
  const points = sizes.map((qty) => {
    const diffs: number[] = [];
    let filled = 0;
    for (let i = 0; i < seeds; i++) {
      const r = averageMid(i + 1, qty);
      diffs.push(r.mid - base[i]);
      filled += r.filled;
    }
    const mean = diffs.reduce((a, b) => a + b, 0) / seeds;
    const variance = diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, seeds - 1);
    return { qty, filled: filled / seeds, impact: mean, stderr: Math.sqrt(variance / seeds) };
  });
  const usable = points.filter((p) => p.impact > 0);
  const fit = usable.length >= 2
    ? fitPowerLaw(usable.map((p) => p.filled), usable.map((p) => p.impact))
    : { exponent: NaN, r2: NaN };
  return { points, exponent: fit.exponent, r2: fit.r2 };
}
