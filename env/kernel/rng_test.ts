import { assert, assertEquals, assertNotEquals, assertThrows } from "../../testing/mod.ts";
import { Rng, RngArgumentError } from "./rng.ts";

Deno.test("xoshiro128** stream for seed 42 matches the golden vector (reference C output)", () => {
  // Produced by the reference C implementation (prng.di.unimi.it/xoshiro128starstar.c) seeded
  // with the same SplitMix32 expansion; pins the stream on every machine.
  const r = new Rng(42);
  const got = Array.from({ length: 8 }, () => r.nextU32());
  assertEquals(got, [
    660444221,
    3652823732,
    77672526,
    910233633,
    2297337756,
    3786072677,
    3123505064,
    1891482476,
  ]);
});

Deno.test("derived draws are pinned too (float, int, normal, split)", () => {
  const r = new Rng(42);
  assertEquals(r.float(), 0.15377165265745885);
  assertEquals(r.int(1, 6), 1);
  assertEquals(r.normal(), -0.2553193469077037);
  const child = new Rng(42).split("a");
  assertEquals([child.nextU32(), child.nextU32()], [1509747272, 2593436292]);
});

Deno.test("the same seed gives the same stream; different seeds differ", () => {
  const a = new Rng(7), b = new Rng(7), c = new Rng(8);
  const sa = Array.from({ length: 100 }, () => a.nextU32());
  const sb = Array.from({ length: 100 }, () => b.nextU32());
  const sc = Array.from({ length: 100 }, () => c.nextU32());
  assertEquals(sa, sb);
  assertNotEquals(sa, sc);
});

Deno.test("split depends only on the seed and the label, not on draws made before", () => {
  const fresh = new Rng(1).split("maker");
  const used = new Rng(1);
  for (let i = 0; i < 1000; i++) used.nextU32();
  const late = used.split("maker");
  assertEquals(
    Array.from({ length: 50 }, () => fresh.nextU32()),
    Array.from({ length: 50 }, () => late.nextU32()),
  );
});

Deno.test("split streams are independent of each other and of the parent", () => {
  const root = new Rng(123);
  const streams = [root, root.split("a"), root.split("b"), root.split("a").split("a")];
  const n = 20_000;
  const xs = streams.map((s) => Float64Array.from({ length: n }, () => s.float()));
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const r = correlation(xs[i], xs[j]);
      // For independent uniforms, sd(r) = 1/sqrt(n) ≈ 0.007; 5 sd is a generous bound.
      assert(Math.abs(r) < 0.035, `streams ${i} and ${j}: correlation ${r}`);
    }
  }
  // Children with the same label but different parents differ too.
  const firsts = new Set(streams.map((s) => s.split("x").nextU32()));
  assertEquals(firsts.size, streams.length);
});

Deno.test("float is uniform in [0, 1): mean and variance within tolerance", () => {
  const r = new Rng(99);
  const n = 100_000;
  let sum = 0, sum2 = 0, min = 1, max = 0;
  for (let i = 0; i < n; i++) {
    const x = r.float();
    sum += x;
    sum2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / n;
  assert(min >= 0 && max < 1);
  assert(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert(Math.abs(sum2 / n - mean * mean - 1 / 12) < 0.002);
});

Deno.test("int covers [min, max] inclusively and evenly", () => {
  const r = new Rng(5);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[r.int(1, 6) - 1]++;
  for (const c of counts) assert(Math.abs(c - 10_000) < 500, `counts ${counts}`);
  assertEquals(r.int(3, 3), 3);
  const wide = r.int(0, 2 ** 40);
  assert(wide >= 0 && wide <= 2 ** 40 && Number.isInteger(wide));
});

Deno.test("normal and exponential have the right moments", () => {
  const r = new Rng(11);
  const n = 100_000;
  let s = 0, s2 = 0, e = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal(2, 3);
    s += z;
    s2 += z * z;
    e += r.exponential(4);
  }
  const mean = s / n;
  assert(Math.abs(mean - 2) < 0.05, `normal mean ${mean}`);
  assert(Math.abs(Math.sqrt(s2 / n - mean * mean) - 3) < 0.05);
  assert(Math.abs(e / n - 0.25) < 0.005, `exponential mean ${e / n}`);
});

Deno.test("save and restore continue the exact stream, including a spare normal", () => {
  const r = new Rng(77);
  r.normal(); // leaves a spare normal behind
  const saved = JSON.parse(JSON.stringify(r.save()));
  const copy = Rng.restore(saved);
  assertEquals(
    Array.from({ length: 20 }, () => r.normal()),
    Array.from({ length: 20 }, () => copy.normal()),
  );
  assertEquals(r.split("k").nextU32(), copy.split("k").nextU32());
});

Deno.test("bad arguments are rejected with errors naming them", () => {
  const r = new Rng(1);
  assertThrows(() => new Rng(1.5), RngArgumentError, /seed/);
  assertThrows(() => r.int(5, 1), RngArgumentError, /int/);
  assertThrows(() => r.bernoulli(2), RngArgumentError, /p must be/);
  assertThrows(() => r.exponential(0), RngArgumentError, /rate/);
  assertThrows(() => r.pick([]), RngArgumentError, /empty/);
});

Deno.test("shuffle is a permutation and deterministic", () => {
  const a = new Rng(3).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
  const b = new Rng(3).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
  assertEquals(a, b);
  assertEquals([...a].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
});

function correlation(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}
