/**
 * Bounded series for the report: a run of a million bars keeps its statistics at full
 * resolution, but its page and report.json carry at most a few thousand points per series, chosen
 * so a chart still shows what matters.
 *
 * - {@linkcode extremaSeries}: a curve (equity) cut into buckets of consecutive points, each
 *   keeping its lowest and highest point in time order, plus the first and the last point — so
 *   peaks and troughs, and with them the drawdowns, stay on the chart.
 * - {@linkcode coarserBars}: price bars merged `k` at a time into longer bars (first open,
 *   highest high, lowest low, last close), as a chart's longer interval would show them.
 *
 * @example
 * ```ts
 * import { extremaSeries } from "./downsample.ts";
 * const curve = Array.from({ length: 1000 }, (_, i) => [i, Math.sin(i / 50)] as const);
 * const kept = extremaSeries(curve, 100);
 * if (kept.length > 100) throw new Error("unreachable");
 * ```
 * @module
 */
import type { PricePoint } from "../../actors/roles/mod.ts";

/** A `[time, value]` point. */
export type Point = readonly [number, number];

/** Points per series that a report keeps by default. */
export const REPORT_POINTS = 5_000;

/** At most `max` (≥ 4) points of `points`: bucket extremes, the first and the last; see above. */
export function extremaSeries(points: readonly Point[], max: number): Point[] {
  return extremaIndices(points.length, (i) => points[i][1], max).map((i) => points[i]);
}

/**
 * The indices {@linkcode extremaSeries} keeps of a series of `n` values read by `value(i)`, in
 * order: every index when `n ≤ max`.
 */
export function extremaIndices(n: number, value: (i: number) => number, max: number): number[] {
  if (!(max >= 4)) throw new RangeError(`max: expected a number >= 4, got ${max}`);
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.floor((max - 2) / 2);
  const out: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * (n - 2)) / buckets);
    const to = 1 + Math.floor(((b + 1) * (n - 2)) / buckets);
    if (from >= to) continue;
    let lo = from, hi = from;
    for (let i = from + 1; i < to; i++) {
      const v = value(i);
      if (v < value(lo)) lo = i;
      if (v > value(hi)) hi = i;
    }
    if (lo === hi) out.push(lo);
    else if (lo < hi) out.push(lo, hi);
    else out.push(hi, lo);
  }
  out.push(n - 1);
  return out;
}

/** At most `max` bars: `k = ⌈n / max⌉` consecutive bars merged into one, timed at the first. */
export function coarserBars(bars: readonly PricePoint[], max: number): PricePoint[] {
  if (!(max >= 1)) throw new RangeError(`max: expected a number >= 1, got ${max}`);
  const n = bars.length;
  if (n <= max) return bars.slice();
  const k = Math.ceil(n / max);
  const out: PricePoint[] = [];
  for (let from = 0; from < n; from += k) {
    const to = Math.min(n, from + k);
    let high = bars[from].high, low = bars[from].low;
    for (let i = from + 1; i < to; i++) {
      if (bars[i].high > high) high = bars[i].high;
      if (bars[i].low < low) low = bars[i].low;
    }
    const last = bars[to - 1];
    out.push({
      ts: bars[from].ts,
      open: bars[from].open,
      high,
      low,
      close: last.close,
      mid: last.mid,
    });
  }
  return out;
}
