/**
 * How a `deno task sim` process is started: the V8 flags of deno.json's `sim` task, kept here so
 * that the benchmarks start their `sim` processes the same way (main_test.ts checks that the
 * task carries them).
 *
 * A semi-space (V8's nursery for new objects) of 4 MB instead of V8's default lets fewer
 * short-lived messages reach the old generation between collections: a 1 M-bar backtest peaks
 * about 70 MB lower, at the same speed (`backtest_peak_rss_mb`).
 * @module
 */

/** The `--v8-flags=...` arguments of the `sim` task. */
export const SIM_V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=4"];
