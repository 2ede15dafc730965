/**
 * `deno task optimize`'s throughput: `optimize_runs_per_s` is the backtests per wall second of a
 * whole search (worker start-up, the first run, every combination, the choice) of the SMA agent of
 * GOOG daily over a grid of 118 combinations (fast 5..50:5 × slow 20..200:15, fast < slow; 2,149
 * daily bars, 4 walk-forward folds) on as many workers as the machine has cores;
 * `optimize_speedup_2_workers` is the same search's wall time on one worker over its time on two.
 * Each search runs twice and the faster is kept (the first also warms the module cache).
 * @module
 */
import type { RateOptions } from "./harness.ts";
import { optimize, parseConstraint, parseParam } from "../scenarios/optimize/mod.ts";
import { loadScenario } from "../scenarios/spec/mod.ts";

async function search(workers: number, quick: boolean): Promise<{ runs: number; ms: number }> {
  const scenario = await loadScenario("goog_daily");
  let best = { runs: 0, ms: Infinity };
  for (let i = 0; i < 2; i++) {
    const r = await optimize({
      scenario,
      agentId: "sma",
      ranges: quick
        ? [parseParam("fast=5..15:5"), parseParam("slow=20..50:15")]
        : [parseParam("fast=5..50:5"), parseParam("slow=20..200:15")],
      constraints: [parseConstraint("fast<slow")],
      workers,
    });
    if (r.wallMs < best.ms) best = { runs: r.backtests, ms: r.wallMs };
  }
  return best;
}

/** `optimize_runs_per_s`: see the module documentation. */
export async function benchOptimize(options?: RateOptions): Promise<number> {
  const r = await search(navigator.hardwareConcurrency ?? 1, options?.quick === true);
  return r.runs / (r.ms / 1000);
}

/** `optimize_speedup_2_workers`: one worker's wall time over two workers'. */
export async function benchOptimizeSpeedup(options?: RateOptions): Promise<number> {
  const quick = options?.quick === true;
  const one = await search(1, quick);
  const two = await search(2, quick);
  return one.ms / two.ms;
}
