// Drift detection: PSI on features, Page-Hinkley on outcomes — quiet without a change (rates
// over seeds), prompt after one, bad input named.
import { assert, assertEquals, assertThrows } from "../../testing/mod.ts";
import { Rng } from "../../env/kernel/mod.ts";
import { DriftInputError, PageHinkley, PsiReference } from "./mod.ts";

function normals(rng: Rng, n: number, mean = 0, sd = 1): number[][] {
  return Array.from({ length: n }, () => [rng.normal(mean, sd), rng.normal(0, 1)]);
}

Deno.test("PSI: the same distribution is stable on 10 seeds; a moved one is flagged", () => {
  const worst: number[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    const rng = new Rng(seed);
    const ref = PsiReference.fit(["x", "y"], normals(rng, 2_000));
    const same = ref.check(normals(rng, 500));
    worst.push(Math.max(...same.map((d) => d.psi)));
    assert(same.every((d) => d.level === "stable"), `seed ${seed}: ${JSON.stringify(same)}`);
    const [half] = ref.check(normals(rng, 500, 0.5));
    assert(half.level !== "stable", `seed ${seed}: a shift of 0.5 sd gave ${half.psi}`);
    const [whole, y] = ref.check(normals(rng, 500, 1));
    assertEquals([whole.level, y.level], ["major", "stable"], `seed ${seed}`);
    const [wider] = ref.check(normals(rng, 500, 0, 2));
    assertEquals(wider.level, "major", `seed ${seed}: twice the spread gave ${wider.psi}`);
  }
  assert(Math.max(...worst) < 0.1, `the largest PSI without a change: ${Math.max(...worst)}`);
});

Deno.test("PSI: a feature constant in training that moves is a major shift", () => {
  const ref = PsiReference.fit(["flag"], Array.from({ length: 100 }, () => [0]));
  assertEquals(ref.check([[0], [0], [0]])[0].psi, 0);
  assertEquals(ref.check([[0], [1], [1]])[0].level, "major");
  assertEquals(ref.check([[-1], [0], [0]])[0].level, "major");
});

Deno.test("PSI: bad windows and options are named", () => {
  assertThrows(() => PsiReference.fit(["x"], []), DriftInputError, "reference: no rows");
  assertThrows(() => PsiReference.fit([], [[1]]), DriftInputError, "no features");
  assertThrows(() => PsiReference.fit(["x"], [[1]], { bins: 1 }), DriftInputError, "bins");
  const ref = PsiReference.fit(["x", "y"], [[1, 2], [3, 4]]);
  assertThrows(() => ref.check([[1, 2], [3]]), DriftInputError, "window: row 1 has 1 values");
  assertThrows(() => ref.check([[1, NaN]]), DriftInputError, "window: row 0, y: NaN");
});

Deno.test("Page-Hinkley: no alarm on 10 seeds of noise; a shift of 1 sd is caught within 100, and where it began", () => {
  const options = { direction: "up" as const, delta: 0.1, lambda: 50 };
  let falseAlarms = 0;
  const delays: number[] = [];
  const misses: number[] = [];
  for (let seed = 1; seed <= 10; seed++) {
    const rng = new Rng(seed);
    const ph = new PageHinkley(options);
    for (let i = 0; i < 5_000; i++) if (ph.update(rng.normal(0, 1))) falseAlarms++;
    const shifted = new PageHinkley(options);
    for (let i = 0; i < 1_000; i++) if (shifted.update(rng.normal(0, 1))) falseAlarms++;
    let delay = -1;
    for (let i = 0; i < 1_000 && delay < 0; i++) if (shifted.update(rng.normal(1, 1))) delay = i;
    assert(delay >= 0, `seed ${seed}: the shift was not caught`);
    delays.push(delay);
    // Where the change began: `changeAgo` values before the alarm, the shift was `delay` + 1.
    // Where the change began: the shift was `delay` + 1 values before the alarm. The estimate may
    // reach back into a noise excursion before it, never much after it.
    misses.push(shifted.changeAgo - (delay + 1));
  }
  assertEquals(falseAlarms, 0, "alarms in 60,000 values without a change");
  assert(Math.max(...delays) < 100, `delays: ${delays}`);
  const sorted = [...misses].sort((a, b) => a - b);
  assert(sorted[0] >= -2 && sorted[5] <= 20, `change estimates off by ${misses}`);
});

Deno.test("Page-Hinkley: the direction is kept; after an alarm it starts again", () => {
  const feed = (ph: PageHinkley, xs: number[]) => xs.filter((x) => ph.update(x)).length;
  const flat = Array.from({ length: 100 }, (_, i) => (i % 2 ? 0.1 : -0.1));
  const drop = Array.from({ length: 100 }, (_, i) => (i % 2 ? 0.1 : -0.1) - 2);
  const down = new PageHinkley({ direction: "down", delta: 0.05, lambda: 10 });
  const up = new PageHinkley({ direction: "up", delta: 0.05, lambda: 10 });
  const both = new PageHinkley({ direction: "both", delta: 0.05, lambda: 10 });
  assertEquals([feed(down, flat), feed(up, flat), feed(both, flat)], [0, 0, 0]);
  assertEquals([feed(down, drop), feed(up, drop), feed(both, drop)], [1, 0, 1]);
  assert(down.n < 100, "it started again at the alarm");
  assertEquals(down.alarms, 1);
});

Deno.test("Page-Hinkley: its state restores to the same detector; bad options are named", () => {
  const options = { direction: "both" as const, delta: 0.1, lambda: 8, minSamples: 5 };
  const rng = new Rng(9);
  const xs = Array.from({ length: 600 }, (_, i) => rng.normal(i > 300 ? 1.5 : 0, 1));
  const whole = new PageHinkley(options);
  const a = xs.map((x) => whole.update(x));
  let part = new PageHinkley(options);
  const b = xs.slice(0, 250).map((x) => part.update(x));
  part = PageHinkley.fromState(options, JSON.parse(JSON.stringify(part.toState())));
  b.push(...xs.slice(250).map((x) => part.update(x)));
  assertEquals(b, a);
  assert(whole.alarms >= 1);
  assertThrows(() => new PageHinkley({ ...options, lambda: 0 }), DriftInputError, "lambda");
  assertThrows(() => new PageHinkley({ ...options, delta: -1 }), DriftInputError, "delta");
  assertThrows(() => new PageHinkley({ ...options, minSamples: 0 }), DriftInputError, "minSamples");
  assertThrows(() => whole.update(Infinity), DriftInputError, "Infinity");
});
