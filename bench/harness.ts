/**
 * A small throughput harness: run a body in timed rounds after a warm-up and report the
 * median rate. Rates (operations per second) are what the bench keys compare across runs.
 * @module
 */

/** Options of {@linkcode measureRate}. */
export interface RateOptions {
  /** Timed rounds; the median is reported. Default 7. */
  readonly rounds?: number;
  /** Minimum wall time of one round, ms. Default 200. */
  readonly roundMs?: number;
  /** Warm-up time before the first round, ms (lets the JIT settle). Default 300. */
  readonly warmupMs?: number;
  /** A small workload where a benchmark has a fixed one (the bench test). Default false. */
  readonly quick?: boolean;
}

/** Result of {@linkcode measureRate}. */
export interface Rate {
  /** Median operations per second over the rounds. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: number;
}

/**
 * Measures `body`, which performs a batch of work and returns how many operations it did.
 *
 * @example
 * ```ts
 * import { measureRate } from "./harness.ts";
 * let x = 0;
 * const rate = measureRate(() => {
 *   for (let i = 0; i < 1000; i++) x += i;
 *   return 1000;
 * }, { rounds: 3, roundMs: 10, warmupMs: 10 });
 * if (!(rate.median > 0)) throw new Error("unreachable");
 * ```
 */
export function measureRate(body: () => number, options: RateOptions = {}): Rate {
  const rounds = options.rounds ?? 7;
  const roundMs = options.roundMs ?? 200;
  const warmupEnd = performance.now() + (options.warmupMs ?? 300);
  while (performance.now() < warmupEnd) body();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      ops += body();
      elapsed = performance.now() - start;
    } while (elapsed < roundMs);
    rates.push((ops * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  return {
    median: rates[Math.floor(rates.length / 2)],
    min: rates[0],
    max: rates[rates.length - 1],
    rounds,
  };
}

/** The `q` quantile (nearest rank) of `xs`. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new RangeError("quantile: no values");
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * A latency: `once` (which times one operation and returns it) `warmup` times unmeasured, then
 * `n` times; the 99th percentile (nearest rank) of the `n`.
 */
export async function p99Of(
  once: () => Promise<number>,
  warmup: number,
  n: number,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await once());
  return quantile(times, 0.99);
}
