import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../testing/mod.ts";
import { measureImpact } from "./impact.ts";
import { Simulation } from "../sim/mod.ts";
import { acf, fitPowerLaw, logReturns, stylizedFacts, summarize } from "./stylized.ts";

Deno.test("statistics match hand-computed values", () => {
  const x = [1, -1, 2, -2, 0];
  // mean 0; variance 2; lag-1 products: -1 -2 -4 0 = -7 → acf -7/10.
  assertAlmostEquals(acf(x, 1), -0.7, 1e-12);
  const s = summarize(x);
  assertAlmostEquals(s.std, Math.sqrt(2), 1e-12);
  assertAlmostEquals(s.kurtosis, 34 / 5 / 4 - 3, 1e-12);
  assertEquals(s.zeros, 0.2);
  assertAlmostEquals(logReturns([100, 110])[0], Math.log(1.1), 1e-15);
  assertThrows(() => logReturns([100, 0]), RangeError, "prices[1]");
  const fit = fitPowerLaw([1, 2, 4, 8], [3, 6, 12, 24]);
  assertAlmostEquals(fit.exponent, 1, 1e-12);
  assertAlmostEquals(fit.scale, 3, 1e-12);
});

Deno.test("1-minute mid returns of the default market show the stylized facts (seed 1, 2 days)", () => {
  const sim = new Simulation({ seed: 1 });
  const mids: number[] = [];
  sim.venue.addFeed((e) => {
    if (e.type === "bar") mids.push(e.mid > 0 ? e.mid : e.close);
  });
  sim.runFor(2 * 86_400_000);
  const f = stylizedFacts(logReturns(mids));
  assertEquals(f.n, 2 * 1_440 - 1);
  assert(f.kurtosis > 1, `fat tails: excess kurtosis ${f.kurtosis}`);
  f.acf.forEach((a, i) => assert(Math.abs(a) < 0.1, `no linear memory: acf lag ${i + 1} = ${a}`));
  assert(f.acfAbs[0] > 0.1, `volatility clusters: acf |r| lag 1 = ${f.acfAbs[0]}`);
  assert(f.acfAbs[9] > 0, `and persists: acf |r| lag 10 = ${f.acfAbs[9]}`);
});

Deno.test("metaorder impact grows with size, less than linearly", () => {
  const r = measureImpact({ sizes: [1_000, 4_000, 16_000], seeds: 4 });
  const impacts = r.points.map((p) => p.impact);
  assert(impacts[0] > 0 && impacts[1] > impacts[0] && impacts[2] > impacts[1], `${impacts}`);
  assert(r.exponent > 0.3 && r.exponent < 1, `fitted exponent ${r.exponent}`);
});
