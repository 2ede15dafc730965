/**
 * A seeded synthetic price series for tests and benchmarks that train a model: a random walk with
 * a little momentum (each return 0.3 × the last plus noise), something a model can half-learn.
 * @module
 */
import type { BarInput } from "../policies/features/mod.ts";

/** `n` one-minute bars of a momentum walk from 100, seeded by `seed`. */
export function momentumWalk(n: number, seed: number): BarInput[] {
  let s = seed >>> 0, price = 100, prev = 0;
  const out: BarInput[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = 0.3 * prev + ((s / 2 ** 32) - 0.5) * 0.01;
    prev = r;
    price *= Math.exp(r);
    out.push({ ts: i * 60_000, open: price, high: price, low: price, close: price, volume: 1 });
  }
  return out;
}
