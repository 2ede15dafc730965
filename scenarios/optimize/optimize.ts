/**
 * A parameter search for one agent of a scenario: the combinations of the parameter space run
 * as backtests in worker threads, each scored in sample and out of sample on walk-forward folds
 * (windows.ts), the parameters chosen fold by fold (select.ts).
 *
 * Methods: `grid` runs every combination that meets the constraints; `random` a seeded sample
 * of them; `halving` (successive halving) runs every grid combination on a short stretch of the
 * first fold's training rows, keeps the best third, runs those on three times as many rows, and
 * so on up to the whole first training window; only the survivors get the full walk-forward
 * runs. Every halving round looks only at rows every fold trains on, so no test block informs
 * the pruning.
 *
 * On a replay venue the searched agent trades alone (the others cannot move recorded prices);
 * on a simulated market the other agents stay, since they make the market it trades in.
 * @module
 */
import type { Stats } from "../../actors/ledger/mod.ts";
import { createPolicy, loadPolicyModels, parsePolicyConfig } from "../../policies/serving/mod.ts";
import { dataPath, parseScenario, type Scenario } from "../spec/mod.ts";
import type { Job, JobResult } from "./backtest_job.ts";
import {
  type Combination,
  type Constraint,
  gridOf,
  type ParamRange,
  ParamSpaceError,
  randomOf,
  showCombo,
} from "./param_space.ts";
import { type Selection, summarize } from "./select.ts";
import { type FoldWindow, foldWindows, type Metric, metricScore } from "./windows.ts";
import { WorkerPool } from "./worker_pool.ts";

/** What to search. */
export interface OptimizeOptions {
  readonly scenario: Scenario;
  readonly agentId: string;
  readonly ranges: readonly ParamRange[];
  readonly constraints?: readonly Constraint[];
  readonly method?: "grid" | "random" | "halving";
  /** Combinations drawn by `random` (default 50). */
  readonly samples?: number;
  /** Seed of `random` (default the scenario's). */
  readonly seed?: number;
  readonly metric?: Metric;
  /** Walk-forward test blocks (default 4). */
  readonly folds?: number;
  /** Rows left out between a fold's training rows and its test block (default 5). */
  readonly embargo?: number;
  /** Worker threads (default: the machine's cores). */
  readonly workers?: number;
  /** Called after each backtest with the number done and the number planned so far. */
  readonly onProgress?: (done: number, planned: number) => void;
}

/** One combination's outcome. */
export interface ComboResult {
  readonly params: Combination;
  /** Statistics over the whole history (null: not run to the end, see `round`). */
  readonly full: Stats | null;
  /** Per fold, the statistics of its training rows and of its test block. */
  readonly folds: readonly { readonly is: Stats; readonly oos: Stats }[] | null;
  /** For halving: the last round it ran in (0 the first); the full runs are round `rounds`. */
  readonly round: number;
  /** Its score in the last halving round it ran in. */
  readonly roundScore?: number | null;
  readonly error?: string;
}

/** A fold's windows with their dates. */
export interface FoldDates extends FoldWindow {
  /** Times (ms) of the first and last point of the training rows and of the test block. */
  readonly trainTs: readonly [number, number];
  readonly testTs: readonly [number, number];
}

/** Everything a search found. */
export interface OptimizeResult {
  readonly agentId: string;
  readonly metric: Metric;
  readonly method: "grid" | "random" | "halving";
  readonly ranges: readonly ParamRange[];
  readonly constraints: readonly string[];
  /** Combinations fully run (walk-forward scored), in search order. */
  readonly results: readonly ComboResult[];
  /** Combinations pruned by a halving round. */
  readonly pruned: readonly ComboResult[];
  /** Combinations the policy's own validation refused, and why (the first few). */
  readonly refused: { readonly count: number; readonly first: readonly string[] };
  readonly folds: readonly FoldDates[];
  readonly rows: number;
  /** Chosen per fold, over `results` (the ones that ran without error). */
  readonly selection: Selection;
  /** `selection`'s indices point into this: the results that ran. */
  readonly ranked: readonly ComboResult[];
  readonly backtests: number;
  readonly workers: number;
  readonly wallMs: number;
}

/** A search that cannot run; the message says what to change. */
export class OptimizeError extends Error {
  override name = "OptimizeError";
}

/** Halving: survivors kept per round are 1 in ETA. */
export const ETA = 3;
/** Halving: the shortest stretch a round runs on, in rows (bars). */
export const MIN_ROUND_ROWS = 100;

/** The scenario with `combo` applied to agent `agentId`'s policy (not yet validated). */
export function withParams(scenario: Scenario, agentId: string, combo: Combination): unknown {
  return {
    ...scenario,
    agents: scenario.agents.map((a) => {
      if (a.id !== agentId) return a;
      const p = a.policy;
      return {
        ...a,
        policy: p.kind === "module"
          ? { ...p, params: { ...p.params, ...combo } }
          : { ...p, ...combo },
      };
    }),
  };
}

/** Runs the search; see the module documentation. */
export async function optimize(options: OptimizeOptions): Promise<OptimizeResult> {
  const wallStart = performance.now();
  const metric = options.metric ?? "sharpe";
  const method = options.method ?? "grid";
  const constraints = options.constraints ?? [];
  const scenario = searchScenario(options.scenario, options.agentId);
  const agent = scenario.agents.find((a) => a.id === options.agentId)!;
  const models = await loadPolicyModels([agent.policy], dataPath);
  const known = paramNames(agent.policy, models);
  for (const r of options.ranges) {
    if (!known.includes(r.name)) {
      throw new OptimizeError(
        `--param ${r.name}: agent ${options.agentId}'s policy (${policyName(agent.policy)}) ` +
          `has no such parameter; it has: ${known.join(", ") || "none"}`,
      );
    }
  }
  const candidates = method === "random"
    ? randomOf(options.ranges, constraints, options.samples ?? 50, options.seed ?? scenario.seed)
    : gridOf(options.ranges, constraints);
  if (candidates.length === 0) {
    throw new ParamSpaceError("no combination meets the constraints");
  }
  // Each combination validated as the scenario would be: the policy's own rules apply.
  const valid: { params: Combination; scenario: Scenario }[] = [];
  const refused: string[] = [];
  for (const params of candidates) {
    try {
      const s = parseScenario(withParams(scenario, options.agentId, params), "scenario");
      const policy = s.agents.find((a) => a.id === options.agentId)!.policy;
      createPolicy(parsePolicyConfig(policy), models);
      valid.push({ params, scenario: s });
    } catch (error) {
      refused.push(`${showCombo(params)}: ${(error as Error).message}`);
    }
  }
  if (valid.length === 0) {
    throw new OptimizeError(
      `every combination was refused by the policy; the first: ${refused[0]}`,
    );
  }
  const workers = Math.min(options.workers ?? navigator.hardwareConcurrency ?? 1, valid.length);
  const pool = new WorkerPool(Math.max(1, workers));
  let backtests = 0;
  let planned = valid.length;
  const run = async (job: Job): Promise<JobResult> => {
    const r = await pool.run(job);
    backtests++;
    options.onProgress?.(backtests, planned);
    return r;
  };
  try {
    // The first combination's run fixes the rows and the folds' dates.
    const first = await run({
      id: 0,
      scenario: valid[0].scenario,
      agentId: options.agentId,
      windows: [],
      withTimes: true,
    });
    if (!first.ok) throw new OptimizeError(`${showCombo(valid[0].params)}: ${first.error}`);
    const times = first.times!;
    const folds = foldWindows(first.rows, {
      folds: options.folds ?? 4,
      embargo: options.embargo ?? 5,
    });
    const dated: FoldDates[] = folds.map((f) => ({
      ...f,
      trainTs: [times[f.train[0]], times[f.train[1] - 1]],
      testTs: [times[f.test[0]], times[f.test[1] - 1]],
    }));
    const windows = folds.flatMap((f) => [f.train, f.test]);
    let survivors = valid.map((v, i) => ({ ...v, index: i }));
    const pruned: ComboResult[] = [];
    let round = 0;
    if (method === "halving") {
      const budgets = halvingBudgets(survivors.length, folds[0].train[1]);
      planned = halvingPlanned(valid.length, budgets) + 1;
      for (const rows of budgets) {
        const short = (s: Scenario) => shortened(s, times, rows);
        const scored = await Promise.all(survivors.map(async (c) => {
          const r = await run({
            id: c.index,
            scenario: short(c.scenario),
            agentId: options.agentId,
            windows: [[0, rows]],
          });
          return {
            c,
            score: r.ok ? metricScore(r.windows[0], metric) : null,
            error: r.ok ? undefined : r.error,
          };
        }));
        // Stable ranking: best first, ties in search order.
        const order = scored.map((_, i) => i).sort((a, b) => {
          const x = scored[a].score, y = scored[b].score;
          if (x === y) return a - b;
          if (x === null) return 1;
          if (y === null) return -1;
          return y - x;
        });
        const keep = Math.ceil(survivors.length / ETA);
        const next: typeof survivors = [];
        order.forEach((i, rank) => {
          const s = scored[i];
          if (rank < keep && s.error === undefined) next.push(s.c);
          else {
            pruned.push({
              params: s.c.params,
              full: null,
              folds: null,
              round,
              roundScore: s.score,
              ...(s.error === undefined ? {} : { error: s.error }),
            });
          }
        });
        survivors = next.sort((a, b) => a.index - b.index);
        round++;
      }
    } else planned = valid.length + 1;
    const results: ComboResult[] = await Promise.all(survivors.map(async (c) => {
      const r = await run({
        id: c.index,
        scenario: c.scenario,
        agentId: options.agentId,
        windows,
      });
      if (!r.ok) return { params: c.params, full: null, folds: null, round, error: r.error };
      return {
        params: c.params,
        full: r.full,
        folds: folds.map((_, f) => ({ is: r.windows[2 * f], oos: r.windows[2 * f + 1] })),
        round,
      };
    }));
    const ranked = results.filter((r) => r.folds !== null);
    if (ranked.length === 0) {
      throw new OptimizeError(`every backtest failed; the first: ${results[0]?.error}`);
    }
    const selection = summarize(
      ranked.map((r) => ({
        full: metricScore(r.full!, metric),
        folds: r.folds!.map((f) => ({
          is: metricScore(f.is, metric),
          oos: metricScore(f.oos, metric),
        })),
      })),
      metric,
    );
    return {
      agentId: options.agentId,
      metric,
      method,
      ranges: options.ranges,
      constraints: constraints.map((c) => c.text),
      results,
      pruned,
      refused: { count: refused.length, first: refused.slice(0, 3) },
      folds: dated,
      rows: first.rows,
      selection,
      ranked,
      backtests,
      workers: pool.size,
      wallMs: performance.now() - wallStart,
    };
  } finally {
    pool.close();
  }
}

/**
 * The row budgets of the halving rounds before the full runs: each `ETA` times the one before,
 * the last the first fold's training rows, none below {@linkcode MIN_ROUND_ROWS}, and so many
 * that at least `ETA` combinations reach the full runs.
 */
export function halvingBudgets(combos: number, trainRows: number): number[] {
  const budgets: number[] = [];
  let survivors = combos;
  let rows = trainRows;
  while (survivors > ETA * ETA / 2 && Math.floor(rows) >= MIN_ROUND_ROWS) {
    budgets.unshift(Math.floor(rows));
    survivors = Math.ceil(survivors / ETA);
    rows /= ETA;
  }
  return budgets;
}

function halvingPlanned(combos: number, budgets: readonly number[]): number {
  let n = combos, total = 0;
  for (const _ of budgets) {
    total += n;
    n = Math.ceil(n / ETA);
  }
  return total + n;
}

/** `scenario` run only over its first `rows` curve points (`times` from a full run). */
function shortened(scenario: Scenario, times: readonly number[], rows: number): Scenario {
  const end = times[Math.min(rows, times.length - 1)];
  if (scenario.venue.kind === "replay") {
    return parseScenario({ ...scenario, venue: { ...scenario.venue, end } });
  }
  return parseScenario({ ...scenario, durationMs: Math.max(1, end - times[0]) });
}

/** The scenario a search runs: the agent checked, alone on a replay. */
function searchScenario(scenario: Scenario, agentId: string): Scenario {
  const agent = scenario.agents.find((a) => a.id === agentId);
  if (agent === undefined) {
    throw new OptimizeError(
      `--agent ${agentId}: scenario ${scenario.name} has no such agent; its agents: ` +
        scenario.agents.map((a) => a.id).join(", "),
    );
  }
  return scenario.venue.kind === "replay" ? { ...scenario, agents: [agent] } : scenario;
}

function policyName(policy: Scenario["agents"][number]["policy"]): string {
  return policy.kind === "module" ? `module ${policy.module}` : policy.kind;
}

/** The names of a policy's parameters: its configuration's fields, defaults included. */
function paramNames(
  policy: Scenario["agents"][number]["policy"],
  models: Awaited<ReturnType<typeof loadPolicyModels>>,
): string[] {
  if (policy.kind !== "module") return Object.keys(policy).filter((k) => k !== "kind");
  const strategy = [...models.values()].find((m) => "create" in m);
  if (strategy === undefined || !("params" in strategy)) return [];
  const r = strategy.params.safeParse(policy.params);
  return r.success && typeof r.data === "object" && r.data !== null ? Object.keys(r.data) : [];
}
