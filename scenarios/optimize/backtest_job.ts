/**
 * One backtest of a search: a scenario with one combination of parameters applied (and, for a
 * successive-halving round, the run shortened), scored over the requested windows of the
 * searched agent's equity curve. The same function runs in a worker thread (optimize_worker.ts)
 * and in the calling thread; its input and output are plain data, so they cross `postMessage`.
 * @module
 */
import type { Stats } from "../../actors/ledger/mod.ts";
import { runScenario } from "../run/mod.ts";
import type { Scenario } from "../spec/mod.ts";
import { type Rows, windowStats } from "./windows.ts";

/** A backtest to run. */
export interface Job {
  readonly id: number;
  /** The scenario, the combination already applied to the searched agent's policy. */
  readonly scenario: Scenario;
  readonly agentId: string;
  /** Curve stretches to score (clipped to the curve of a shortened run). */
  readonly windows: readonly Rows[];
  /** Also return the curve's times (the first run: the folds' dates come from it). */
  readonly withTimes?: boolean;
}

/** A backtest's scores, or why it failed. */
export type JobResult =
  | {
    readonly id: number;
    readonly ok: true;
    /** Points of the agent's equity curve (one a bar). */
    readonly rows: number;
    /** Statistics over the whole run. */
    readonly full: Stats;
    /** Statistics over each of `windows`, in order. */
    readonly windows: readonly Stats[];
    readonly times?: readonly number[];
  }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Runs `job`; never throws (a failure is a result saying why). */
export async function runJob(job: Job): Promise<JobResult> {
  try {
    const result = await runScenario(job.scenario, { fullSeries: true });
    const agent = result.agents.find((a) => a.agentId === job.agentId);
    if (agent?.fullEquity === undefined) {
      return { id: job.id, ok: false, error: `agent ${job.agentId}: no equity curve` };
    }
    const curve = agent.fullEquity;
    const windows = job.windows.map(([from, to]) =>
      windowStats(
        curve,
        agent.trades,
        [Math.min(from, curve.length - 1), Math.min(to, curve.length)],
        result.periodsPerYear,
      )
    );
    return {
      id: job.id,
      ok: true,
      rows: curve.length,
      full: agent.stats,
      windows,
      ...(job.withTimes
        ? { times: Array.from({ length: curve.length }, (_, i) => curve.ts(i)) }
        : {}),
    };
  } catch (error) {
    return { id: job.id, ok: false, error: (error as Error).message ?? String(error) };
  }
}
