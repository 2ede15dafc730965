/**
 * `deno task bench`: runs every benchmark and prints, as its last line, one JSON object of
 * named figures (numbers only) so runs can be compared by machine.
 * @module
 */
import { benchBusMemory, benchBusMemoryValidated } from "./bus_memory.ts";
import {
  benchBusNats,
  benchBusNatsRtt,
  benchJetStream,
  benchNatsSimRun,
  natsBenchBlocker,
} from "./bus_nats.ts";
import { benchEventQueue } from "./event_queue.ts";
import { benchFeaturesOnline, benchPredict } from "./learning.ts";
import { benchPolicyAct, benchPpo } from "./rl.ts";
import { benchOrderBook } from "./order_book.ts";
import { benchSimulation } from "./simulation.ts";
import { benchEnv, benchReplay, benchVecEnv } from "./rl_env.ts";
import {
  benchSimRun,
  benchSimRunJournal,
  benchTickToIntent,
  benchTickToIntentJournal,
} from "./sim_run.ts";
import { benchBacktest, benchBacktestRss, benchLongSimRss } from "./backtest.ts";
import { benchOptimize, benchOptimizeSpeedup } from "./optimize.ts";
import { benchVenueOrderP99, benchVenueOrders } from "./venue_api.ts";
import { benchLiveOrderAck } from "./live_order.ts";
import { benchControlStatus } from "./control_status.ts";
import { benchPredictHttp } from "./predict_http.ts";
import type { RateOptions } from "./harness.ts";

/** A named benchmark producing one figure. */
/** The order-book workload, also driven by the book's tests. */
export { BookWorkload } from "./order_book.ts";

export interface Benchmark {
  readonly key: string;
  readonly unit: string;
  /** The figure, or undefined when what it needs is missing here (see `blocker`). */
  readonly run: (options?: RateOptions) => number | undefined | Promise<number | undefined>;
  /** Why the benchmark cannot run on this machine, or undefined. */
  readonly blocker?: () => string | undefined;
}

function procBlocker(): string | undefined {
  return Deno.build.os === "linux" ? undefined : "peak RSS is read from /proc (Linux)";
}

/** Every benchmark, in the order they run. Later issues add keys here. */
export const BENCHMARKS: readonly Benchmark[] = [
  { key: "bus_memory_msgs_per_s", unit: "msg/s", run: benchBusMemory },
  { key: "bus_memory_validated_msgs_per_s", unit: "msg/s", run: benchBusMemoryValidated },
  { key: "event_queue_ops_per_s", unit: "op/s", run: benchEventQueue },
  { key: "book_ops_per_s", unit: "op/s", run: benchOrderBook },
  { key: "sim_events_per_s", unit: "event/s", run: benchSimulation },
  { key: "env_steps_per_s", unit: "step/s", run: benchEnv },
  { key: "vec_env_steps_per_s", unit: "step/s", run: benchVecEnv },
  { key: "replay_bars_per_s", unit: "bar/s", run: benchReplay },
  { key: "sim_run_s", unit: "s", run: benchSimRun },
  { key: "tick_to_intent_p99_us", unit: "µs", run: benchTickToIntent },
  { key: "sim_run_journal_s", unit: "s", run: benchSimRunJournal },
  { key: "tick_to_intent_journal_p99_us", unit: "µs", run: benchTickToIntentJournal },
  { key: "backtest_bars_per_s", unit: "bar/s", run: benchBacktest },
  {
    key: "backtest_peak_rss_mb",
    unit: "MB",
    run: benchBacktestRss,
    blocker: procBlocker,
  },
  { key: "long_sim_peak_rss_mb", unit: "MB", run: benchLongSimRss, blocker: procBlocker },
  { key: "optimize_runs_per_s", unit: "backtest/s", run: benchOptimize },
  { key: "optimize_speedup_2_workers", unit: "×", run: benchOptimizeSpeedup },
  { key: "features_online_updates_per_s", unit: "update/s", run: benchFeaturesOnline },
  { key: "predict_p99_us", unit: "µs", run: benchPredict },
  { key: "ppo_env_steps_per_s", unit: "step/s", run: benchPpo },
  { key: "policy_act_p99_us", unit: "µs", run: benchPolicyAct },
  { key: "bus_nats_msgs_per_s", unit: "msg/s", run: benchBusNats, blocker: natsBenchBlocker },
  { key: "bus_nats_rtt_p99_us", unit: "µs", run: benchBusNatsRtt, blocker: natsBenchBlocker },
  {
    key: "bus_jetstream_msgs_per_s",
    unit: "msg/s",
    run: benchJetStream,
    blocker: natsBenchBlocker,
  },
  { key: "nats_sim_run_s", unit: "s", run: benchNatsSimRun, blocker: natsBenchBlocker },
  { key: "venue_api_orders_per_s", unit: "order/s", run: benchVenueOrders },
  { key: "venue_api_order_p99_ms", unit: "ms", run: benchVenueOrderP99 },
  { key: "live_order_ack_p99_ms", unit: "ms", run: benchLiveOrderAck },
  { key: "control_status_p99_us", unit: "µs", run: benchControlStatus },
  { key: "predict_http_p99_us", unit: "µs", run: benchPredictHttp },
];

/**
 * Runs the benchmarks whose key contains `filter` (all by default); writes one human-readable
 * line per figure through `log`, and returns the figures.
 */
export async function runBenchmarks(
  filter = "",
  log: (line: string) => void = console.log,
  options?: RateOptions,
): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const b of BENCHMARKS) {
    if (!b.key.includes(filter)) continue;
    const blocked = b.blocker?.();
    if (blocked !== undefined) {
      log(`${b.key.padEnd(34)} ${"left out".padStart(14)}: ${blocked}`);
      continue;
    }
    const value = await b.run(options);
    if (value === undefined) continue;
    // Small figures (seconds, µs) keep two decimals; rates are whole numbers.
    const shown = Math.abs(value) >= 100 ? Math.round(value) : Number(value.toFixed(2));
    figures[b.key] = shown;
    log(`${b.key.padEnd(34)} ${shown.toLocaleString("en-US").padStart(14)} ${b.unit}`);
  }
  return figures;
}
